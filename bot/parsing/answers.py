"""Reading answers to questions: yes or no, and which of several offered options was meant."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from bot.parsing.errors import Ambiguous, NotAChoice, NotAnAnswer
from bot.parsing.text import answer_key, prepare

# The words of a yes or a no. A message is read as a row of them (longest first), with fillers
# and particles between; every word must be known, and all must say the same.
_YES_WORDS = (
    "是", "是的", "是这样", "就是这样", "对", "对的", "对头", "没错", "不错", "没毛病", "无误",
    "没问题", "有", "有的", "好", "好的", "同意", "确认", "确定", "可以", "行", "要", "需要",
    "就是", "当然", "必须", "肯定", "嗯", "恩", "可不是", "可不", "那可不", "可不就是",
    "中",  # "OK" in Shanxi and Henan speech
    "得行", "要得",  # Sichuan and Guizhou
    "yes", "y", "ok", "okay", "yeah", "yep", "yup", "sure", "ofcourse", "right", "correct",
    "👍", "👌", "✅", "✔", "☑", "⭕",
)  # fmt: skip
_NO_WORDS = (
    "否", "不是", "不对", "错", "没有", "没", "无", "不", "不同意", "不确认", "不要", "不用",
    "不需要", "不行", "不可以", "不好", "不中", "不得行", "要不得", "算了", "别", "不必", "免了",
    "木有", "莫得", "没得", "莫有", "冇", "冇得", "么有",  # dialect and chat spellings of 没有
    "倒没有", "那倒没有", "倒也没有", "也没有",
    "no", "n", "nope", "nah", "notreally", "notatall", "notyet", "👎", "❌", "✖", "✗", "✘", "×",
)  # fmt: skip
# Particles, fillers and courtesies that neither add nor change an answer (好的呀, 是的呢, 嗯呐,
# 对着哩, 那算了, yes please).
_FILLERS = (
    "的", "啊", "呀", "吧", "哦", "噢", "喔", "了", "呢", "嘛", "啦", "哈", "滴", "嘞", "咧", "哒",
    "哩", "呐", "哪", "着", "呃", "额", "哼", "还", "那", "那个", "我", "俺", "谢谢", "谢了",
    "多谢", "麻烦", "麻烦你", "please", "pls", "thanks", "thankyou",
)  # fmt: skip
# 嗯 alone is a yes; before other words it is a pause (嗯不是 is a no).
_HUMS = frozenset({"嗯", "恩"})
_YES_NO_WORD = re.compile(
    "|".join(
        re.escape(word)
        for word in sorted({*_YES_WORDS, *_NO_WORDS, *_FILLERS}, key=len, reverse=True)
    )
)
_MEANING = {
    **dict.fromkeys(_FILLERS),
    **dict.fromkeys(_YES_WORDS, True),
    **dict.fromkeys(_NO_WORDS, False),
}


def _words(key: str) -> list[str] | None:
    """`key` cut into known words, longest first; None when some part is not one."""
    words, position = [], 0
    while position < len(key):
        match = _YES_NO_WORD.match(key, position)
        if match is None:
            return None
        words.append(match.group())
        position = match.end()
    return words


def parse_yes_no(text: str) -> bool:
    """True for yes (是, 对对对, 没错, 嗯嗯好, 得行, 👍), False for no (不是, 没有没有, 算了不要了,
    木有, nope); NotAnAnswer for anything else, or for a yes and a no together (是不是)."""
    words = _words(answer_key(prepare(text)))
    if not words:
        raise NotAnAnswer(text)
    meanings = {_MEANING[word] for word in words if word not in _HUMS} - {None}
    if not meanings and any(word in _HUMS for word in words):
        return True
    if len(meanings) != 1:
        raise NotAnAnswer(text)
    return meanings.pop() is True


def _letters(key: str) -> str:
    # Drops emoji and other symbols, so "申请" matches a button labelled "✅ 申请".
    return "".join(char for char in key if unicodedata.category(char)[0] != "S")


def parse_choice(text: str, options: Mapping[str, Sequence[str]]) -> str:
    """The option (a key of `options`) whose value or a synonym was typed; else NotAChoice.

    Case, width, spaces and punctuation do not count, so typing a button's label is the same as
    pressing the button. A text that fits several options is refused rather than guessed.
    """
    key = answer_key(prepare(text))
    if not key:
        raise NotAChoice(text)
    spellings = {
        value: [value, *([synonyms] if isinstance(synonyms, str) else synonyms)]
        for value, synonyms in options.items()
    }  # a lone string is one synonym, not a sequence of one-letter synonyms
    for reduce in (str, _letters):
        typed = reduce(key)
        matches = [
            value
            for value, words in spellings.items()
            if typed and typed in {reduce(answer_key(word)) for word in words}
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            break
    raise NotAChoice(text)


# What the words of a message choose, by question. The values are what the dialogs store.
EMPLOYER_CHOICES = ("one", "several", "workshop")
HOUSEHOLD_CHOICES = ("poverty_alleviated", "monitored", "none", "unknown")


def _found(pattern: re.Pattern[str], key: str) -> tuple[bool, str]:
    """Whether `pattern` occurs in `key`, and `key` without it, so that a later pattern does not
    read the same words again (不止一家 is not also 一家)."""
    rest, count = pattern.subn("_", key)
    return count > 0, rest


def _choice_key(text: str) -> str:
    return _letters(answer_key(prepare(text)))


# -- employer ------------------------------------------------------------------------------

# A count word of places worked at (加 a common slip for 家), not of months or people (两个月).
_OF_EMPLOYERS = r"(?:家|加|个(?![月人多星礼小钟年天])|处|份|厂|公司|老板|工地)"
_NUMBER_WORD = r"(?:[两俩二三四五六七八九十几多]|好几|[2-9])"
# 没换过, 从来没换: a denied change is one employer.
_NEVER_CHANGED = re.compile(r"(?:从来?)?(?:没有?|未|不曾|没怎么)(?:换|跳槽|跳过槽|变|动|挪)过?")
# 不止一家, 不是同一家: a denied single employer is several.
_NOT_ONE = re.compile(r"(?:不止|不只|不是|不在|不光|不仅)(?:在)?(?:同|一)|(?:不|没有?)固定")
_SEVERAL = re.compile(
    r"换过|换了|换来换去|换工作|换厂|换地方|换老板|跳槽|跳过槽|另一|又去了|后来去|后来又|后来到"
    rf"|先在.{{1,8}}后来|零工|{_NUMBER_WORD}{_OF_EMPLOYERS}"
    r"|several|many|morethanone|different|changed|multiple|twice"
)
_ONE = re.compile(
    rf"(?:一|1|同){_OF_EMPLOYERS}|同一|一直在(?:这|那)|就那|还是那|原来那|固定|没变"
    r"|^(?:just|only)?(?:one|same)(?:employer|company|boss|job|factory|place)?(?:only)?$"
)
_NOT_WORKSHOP = re.compile(
    r"(?:不是|没在|没有在|不在|没去过?|没进过?)[^车间]{0,6}?车间|notaworkshop"
)
_WORKSHOP = re.compile(r"车间|社区工厂|扶贫工厂|帮扶工厂|扶贫基地|workshop")


def read_employer(text: str) -> str:
    """ "one", "several" or "workshop" from words: 一直在一家, 没换过 (one), 换过两次, 不止一家
    (several), 在村里的帮扶车间 (workshop). Raise NotAChoice, or Ambiguous with the options when
    the words fit two (不是车间: one or several)."""
    key = _choice_key(text)
    not_workshop, key = _found(_NOT_WORKSHOP, key)
    workshop, key = _found(_WORKSHOP, key)
    never_changed, key = _found(_NEVER_CHANGED, key)
    not_one, key = _found(_NOT_ONE, key)
    several, key = _found(_SEVERAL, key)
    one, key = _found(_ONE, key)
    several = several or not_one  # any change of employer makes several, however said
    if workshop:
        if several:
            raise Ambiguous(text, ("several", "workshop"))
        return "workshop"
    if several:
        return "several"
    if one or never_changed:
        return "one"
    if not_workshop:
        raise Ambiguous(text, ("one", "several"))
    raise NotAChoice(text)


# -- household -----------------------------------------------------------------------------

_MONITORED = (
    r"监测户|监侧户|监测对象|监测家庭|防返贫|返贫监测|边缘户|边缘易致贫|易致贫|脱贫不稳定"
    r"|不稳定户|突发严重困难|严重困难户|突发困难|监测|monitored|monitoring"
)
_POVERTY = (
    r"脱贫户|拖贫户|脱频户|脱贫人口|脱贫家庭|已脱贫|脱了贫|脱贫了|建档立卡|建档|贫困户|贫困家庭|贫困人口"
    r"|扶贫户|脱贫|povertyalleviated|liftedoutofpoverty|poverty"
)
# A kind named after a denial: 不是脱贫户, 不属于监测对象, 没评上贫困户, 非贫困户.
_DENIAL = (
    r"(?:不是|不属于|不算|没有|没|并非|非|不在)(?:什么|那个|啥)?被?"
    r"(?:评为|列为|纳入|认定为?|评上|算)?"
)
# 是不是脱贫户, 是否监测户: the person wonders, which says the kind may be it.
_WONDER = r"(?:是不是|是否|是还是不是)"
_HOUSEHOLD_WORDS = (
    ("wonder_monitored", re.compile(_WONDER + f"(?:{_MONITORED})")),
    ("wonder_poverty", re.compile(_WONDER + f"(?:{_POVERTY})")),
    ("not_monitored", re.compile(_DENIAL + f"(?:{_MONITORED})")),
    ("not_poverty", re.compile(_DENIAL + f"(?:{_POVERTY})")),
    ("monitored", re.compile(_MONITORED)),
    ("poverty_alleviated", re.compile(_POVERTY)),
    (
        "none",
        re.compile(
            r"都不是|都不算|都没有|(?:啥|什么|哪个|哪)(?:户|种)?(?:也|都)不是|两个都不是"
            r"|(?:一般|普通)的?(?:农|人家的?)?户|一般家庭|普通家庭|普通人家|一般人家|老百姓|普通人"
            r"|非贫困|neither|^none$|normal|ordinary"
        ),
    ),
    (
        "unknown",
        re.compile(
            r"不(?:太|大|是很)?(?:清楚|知道|晓得|了解|确定|懂)|没听说|没听过|没问过|搞不清|弄不清"
            r"|说不清|闹不清|忘了|记不得|记不清|不记得|问问|问一下|问村|要问|得问|不好说|没注意"
            r"|好像|可能|也许|大概|估计|说不定|dontknow|notsure|idk|unknown|unsure"
        ),
    ),
)
# A whole answer that denies every kind: 不是, 没有, 都不.
_PLAIN_NO = re.compile(r"(?:不是|没有|没|不|无|否|都不|no|nope)[的啊呀吧哦了呢滴嘞]*")


def _household_words(key: str) -> set[str]:
    said = set()
    for name, pattern in _HOUSEHOLD_WORDS:
        found, key = _found(pattern, key)
        if found:
            said.add(name)
    return said


def read_household(text: str) -> str:
    """The household kind from words: 是脱贫户, 建档立卡户 (poverty_alleviated), 边缘户, 不是脱贫户
    是监测户 (monitored), 一般户, 不是监测户 (none), 不晓得, 问问村里 (unknown). Raise NotAChoice,
    or Ambiguous with the options when the words fit two (脱贫户吧不太清楚: that or unknown)."""
    key = _choice_key(text)
    said = _household_words(key)
    kinds = [kind for kind in ("poverty_alleviated", "monitored") if kind in said]
    wondered = [
        kind
        for kind, word in (
            ("poverty_alleviated", "wonder_poverty"),
            ("monitored", "wonder_monitored"),
        )
        if word in said
    ]
    if "unknown" in said or wondered:
        maybe = list(dict.fromkeys([*kinds, *wondered]))
        if len(maybe) == 1:
            raise Ambiguous(text, (maybe[0], "unknown"))
        return "unknown"
    if len(kinds) > 1:
        raise Ambiguous(text, tuple(kinds))
    if kinds:
        return kinds[0]
    if said or _PLAIN_NO.fullmatch(key):
        return "none"  # denied kinds only, or said plainly
    raise NotAChoice(text)
