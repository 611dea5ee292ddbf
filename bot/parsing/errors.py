"""The parsing layer's errors: one base class, one subclass per kind of answer it could not read."""

from __future__ import annotations

from typing import ClassVar


def N_(message: str) -> str:
    """Mark a message for `make babel-extract` (-k N_); the bot translates it where it replies."""
    return message


class ParseError(ValueError):
    """Base class of every error raised by the parsing layer.

    `message_key` is the English sentence the bot translates into its re-ask. The text typed is
    kept in `text` but left out of `str()`, because errors reach the logs and the text may hold
    personal data.
    """

    message_key: ClassVar[str] = N_("Sorry, I did not understand that. Please try again.")

    def __init__(self, text: str = "") -> None:
        super().__init__(self.message_key)
        self.text = text


class TextTooLong(ParseError):
    """Raised when a message is far longer than any answer the bot asks for."""

    message_key = N_("That message is too long. Please send a short answer.")


class NotAnAmount(ParseError):
    """Raised when a message is not one amount of money (empty, negative, words, letters)."""

    message_key = N_("Please send one amount in yuan, for example 3000.")


class AmountRange(NotAnAmount):
    """Raised when a message gives a range of amounts (3000-4000, 三四千) instead of one."""

    message_key = N_("Please send one number, not a range, for example 3500.")


class MultipleAmounts(NotAnAmount):
    """Raised when a message holds several amounts (3000 4000, 3000和4000)."""

    message_key = N_("Please send just one amount, for example 3000.")


class AmountTooLarge(NotAnAmount):
    """Raised when an amount is above 1,000,000 yuan, far beyond any wage or subsidy."""

    message_key = N_("That amount looks too large. Please check it and send it again.")


class NotAMonth(ParseError):
    """Raised when a message is not one month, or names a month outside 1 to 12."""

    message_key = N_("Please send a month, for example 2025-03.")


class MonthOutOfRange(NotAMonth):
    """Raised when a month is before 2000 or more than a year after today."""

    message_key = N_("That month is out of range. Please check the year and send it again.")


class NotAMonthRange(ParseError):
    """Raised when a message is not a first and a last month (or a first month and "now")."""

    message_key = N_("Please send the first and last month, for example 2025-03 to 2025-11.")


class RangeReversed(NotAMonthRange):
    """Raised when the last month of a range comes before the first."""

    message_key = N_("The last month is before the first one. Please send the first month first.")


class NotAnAnswer(ParseError):
    """Raised when a message is neither a yes nor a no."""

    message_key = N_("Please answer yes or no.")


class NotAChoice(ParseError):
    """Raised when a message matches none of the offered options, or more than one."""

    message_key = N_("Please choose one of the buttons.")


class NotANumber(ParseError):
    """Raised when a message is not one whole number (of months, people, times)."""

    message_key = N_("Please send a whole number, for example 12.")


class NumberOutOfRange(NotANumber):
    """Raised when a whole number is below the minimum or above the maximum asked for."""

    message_key = N_("That number is out of range. Please check it and send it again.")


class Ambiguous(ParseError):
    """Raised when an answer can be read two or more ways: the bot offers `options` as buttons
    (each the canonical value the dialog stores, e.g. "3000" or "employer:one") and never
    guesses. Subclasses name what was ambiguous."""

    message_key = N_("That can be read more than one way. Which do you mean?")

    def __init__(self, text: str = "", options: tuple[str, ...] = ()) -> None:
        super().__init__(text)
        self.options = options


class AmbiguousAmount(Ambiguous):
    """Raised for a range of amounts (三千到四千, 3000-4000): the options are the amounts meant."""

    message_key = N_("Which amount is closest to the usual monthly wage?")


class NotMonthlyAmount(NotAnAmount):
    """Raised when the only amount given is per day, hour, week or year (一天150, 年薪5万): the
    bot asks for the monthly wage rather than multiplying, as days worked vary."""

    message_key = N_("Please send the monthly wage, not a daily or yearly one, for example 3000.")
