"""What a person asks for in their own words, at any step: 查补贴, 我想申请交通补贴, 我的申请,
撤回申请, 说英语, 帮助, 找人工. Only clear requests count: an answer to the current question is
never taken for one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing.text import answer_key, prepare

# The intents a message can carry, and what the bot does for each (bot/router.py).
CHECK = "check"  # the quick check
APPLY = "apply"  # apply for oneself
STATUS = "status"  # my applications
WITHDRAW = "withdraw"  # withdraw an application (my applications, then the button)
LANGUAGE = "language"  # switch language (to `language`, or ask which)
HELP = "help"  # what can be claimed and how
HUMAN = "human"  # talk to a person: the village cadre's contact
MENU = "menu"  # back to the main menu
INTENTS = (CHECK, APPLY, STATUS, WITHDRAW, LANGUAGE, HELP, HUMAN, MENU)


@dataclass(frozen=True)
class Intent:
    """A request read from a message; `language` is the code asked for (zh_CN, en) or None."""

    name: str
    language: str | None = None


_EXACT = {
    "查补贴": Intent(CHECK),
    "申请": Intent(APPLY),
    "我的申请": Intent(STATUS),
    "撤回": Intent(WITHDRAW),
    "english": Intent(LANGUAGE, "en"),
    "中文": Intent(LANGUAGE, "zh_CN"),
    "帮助": Intent(HELP),
    "help": Intent(HELP),
    "人工": Intent(HUMAN),
    "菜单": Intent(MENU),
    "menu": Intent(MENU),
}


def read_intent(text: str) -> Intent | None:
    """The request a message makes, or None when it makes none (or is too long to read)."""
    try:
        key = answer_key(prepare(text, max_len=200))
    except ValueError:
        return None
    return _EXACT.get(key)
