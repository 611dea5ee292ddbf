"""What a person asks for in their own words, at any step: 查补贴, 我想申请交通补贴, 我的申请,
撤回申请, 说英语, 帮助, 找人工. Only clear requests count: an answer to the current question is
never taken for one.

A request is read only when the whole message is one (after greetings, fillers and courtesies):
each intent is a short list of phrasings matched against the whole text, never a keyword found
somewhere in it. So 交通补贴 (an answer naming a programme), 不要 (a no), 不清楚 (a household
answer) and 申请人是我妈 (a statement about who applies, an answer to the step that asks it) are
none; neither is applying for someone else (帮我妈申请), which is its own menu entry, not "apply".
Cancelling the current step (取消, 上一步) is left to the step's own buttons.
"""

from __future__ import annotations

import re
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


# A request is short; a longer text is something else (a story, a pasted notice).
_MAX_KEY_LEN = 40

# Building blocks of the phrasings (on answer_key text: no spaces, punctuation or case).
_I = r"(?:我们|俺们|咱们|我|俺|咱)?"
_WANT = r"(?:想要|想|要|需要|准备|打算|得|帮我|给我|替我)?"
_CAN = r"(?:能不能|可不可以|能否|能够|可以|能)?"
_MINE = r"(?:我的|俺的|咱的|我|俺)?"
_PROGRAMME = r"(?:一次性)?(?:交通|路费|交通费|稳岗|求职|创业|就业|务工|外出务工|生活|技能|培训)?"
_SUBSIDY = rf"(?:{_PROGRAMME}(?:补贴|补助|补助金|补贴款|补贴金)|钱)"
_THIS_YEARS = r"(?:今年|去年|这次|上次|这个月|上个月)?的?"
_HOW = r"(?:怎么样|怎么|怎样|咋样|咋|如何|在哪里|在哪|哪里|去哪)(?:才能|能|可以|去)?"
_WHEN = r"(?:到底)?(?:什么时候|啥时候|什么时间|啥时间|几时|何时|哪天|多久)(?:能|会|才|可以)?"
_WHERE = r"(?:哪里|哪儿|哪一步|哪步|哪个阶段|哪|什么地步|啥地步|什么程度|啥程度)"
_ASKED = r"(?:了没有|了没|了吗|了么|了不|没有|没|吗|么|了)?"
_CADRE = (
    r"(?:村干部|村里的?干部|村委会|村委|村支书|支书|第一书记|书记|村长|网格员|帮扶干部|帮扶人|"
    r"驻村干部|驻村工作队|工作队|工作人员|村里的人|村里人|社保所|人社局|劳动站)"
)

_PHRASINGS: dict[str, tuple[str, ...]] = {
    "language_en": (
        rf"{_CAN}(?:说|讲|用|换成|换|改成|改|切换成|切换到|切换|转成|转|变成|要|来|看)?(?:英语|英文)"
        r"(?:版|模式|界面)?(?:吗|么|行吗|可以吗|好吗)?",
        r"(?:speak|in|use|switchto|changeto|switch|change)?english(?:version|mode)?",
        rf"{_I}(?:不会|看不懂|不懂|不认识)(?:中文|汉字|汉语|chinese)",
    ),
    "language_zh": (
        rf"{_CAN}(?:说|讲|用|换成|换回|换|改成|改回|改|切换成|切换到|切换回|切换|转成|转|变成|要|来|看|回到)?"
        r"(?:简体中文|中文|汉语|普通话|汉字|国语)(?:版|模式|界面)?(?:吗|么|行吗|可以吗|好吗)?",
        r"(?:speak|in|use|switchto|changeto|switch|change|backto)?chinese(?:version|mode)?",
        rf"{_I}(?:不会|看不懂|不懂)(?:英语|英文|english)",
    ),
    "language": (
        r"(?:切换|换|改|更改|设置|选择|修改|调整)(?:一下|个|一个)?(?:语言|语种)|语言(?:设置|切换|选择)?",
        r"(?:change|switch|set|choose)?language|语言language|language语言",
    ),
    HUMAN: (
        rf"{_I}{_WANT}(?:找|转|要|联系|接通|呼叫|转接)?人工(?:客服|服务|坐席)?",
        r"(?:找|联系|要找)?(?:在线)?客服",
        rf"{_I}{_WANT}(?:找|联系|打给|叫|见)(?:一下)?(?:{_CADRE}|真人|人)",
        rf"{_CADRE}(?:的)?(?:电话|联系方式|号码|手机号|手机)(?:是?多少)?",
        r"打电话给谁|给谁打电话|打谁的?电话|电话打给谁|找谁办?|找谁问|问谁|联系谁|电话(?:是?多少)"
        r"|联系方式|联系电话|有电话吗",
        r"有人(?:在)?(?:吗|么|没有|没|不|在吗)|有没有人(?:在)?|人呢|有真人吗?|真人",
        rf"{_I}{_WANT}(?:跟|和|同)(?:人|真人|工作人员|干部)(?:说话|说|聊聊|聊|沟通|谈谈|谈)",
        r"human|agent|operator|talkto(?:a|the)?(?:person|human|someone)|realperson|contactus",
    ),
    MENU: (
        r"(?:回到|回|返回|去|打开|显示|看|到)?(?:主?菜单|主页|首页|开始)|返回|回去|重新开始|"
        r"从头开始|重来|重新来(?:一遍|一次)?|从头来|从新开始|再来一遍|退出",
        r"(?:main|back|backto|gobackto|backtothe|backtomain)?menu|back|goback|home|startover"
        r"|restart",
    ),
    HELP: (
        r"帮助|帮帮我|使用帮助|使用说明|说明|操作说明|教程|指南|help|helpme|guide|howtouse"
        r"|instructions|whatcanyoudo|howdoesthiswork",
        r"(?:教教我|教我|告诉我)(?:怎么|咋)?(?:用|使用|操作|弄|搞|整|办)?",
        r"(?:这个)?(?:怎么|咋|如何|怎样)(?:用|使用|操作|弄|搞|整|办)",
        r"(?:帮帮忙|帮帮我|帮个忙)?(?:我)?(?:看不懂|看不明白|不会用|搞不懂|弄不懂|不太会用|不会弄|不会操作)"
        r"(?:怎么用)?",
        r"(?:这个)?(?:怎么|咋)(?:用|使用|操作|弄)(?:这个)?(?:看不懂|不会用|不会弄|搞不懂)",
        rf"(?:有|都有)(?:哪些|什么|啥|哪几种|几种)(?:{_SUBSIDY}|补贴|补助|政策)"
        rf"|(?:{_SUBSIDY}|补贴|补助)(?:政策|有哪些|都有哪些|有什么|都有啥|有啥|有几种)",
        rf"(?:什么是|啥是|啥叫|什么叫){_SUBSIDY}|{_SUBSIDY}是(?:什么|啥)(?:意思)?",
        r"(?:你|你们|这个|这)(?:能|可以|会)?(?:干|做)(?:什么|啥)|(?:这|这个)是(?:干什么|干啥)的?"
        r"|你是谁|什么意思|啥意思",
    ),
    WITHDRAW: (
        rf"{_I}{_WANT}(?:撤回|撤销|撤掉|撤)(?:我的|俺的|这个|那个)?{_SUBSIDY}?(?:申请)?",
        rf"{_I}{_WANT}(?:取消|删除|删掉|退回|作废)(?:我的|俺的|这个|那个)?{_SUBSIDY}?申请",
        rf"{_I}(?:不想|不要|不打算|不准备|不)(?:再)?(?:申请|申报)(?:{_SUBSIDY})?了?",
        rf"{_SUBSIDY}?申请(?:撤回|撤销|作废)",
        rf"(?:{_I}不(?:想|要)?申请了)?(?:撤回来|撤了吧|撤回吧|撤了|撤回)",
        r"withdraw(?:my)?(?:application)?|cancel(?:my)?application|idontwanttoapply(?:anymore)?",
    ),
    STATUS: (
        rf"{_I}的(?:补贴)?申请(?:记录|进度|状态|情况|结果)?(?:咋样|怎么样|如何)?了?",
        rf"(?:查|看|查看|查询|查一下|看一下|看看){_MINE}(?:申请|审核|审批|办理|补贴)?的?"
        r"(?:进度|进展|状态|结果)",
        r"(?:申请|审核|审批|办理)?(?:进度|进展|状态)(?:怎么样|咋样|如何)?了?"
        r"|(?:申请|审核|审批)(?:情况|结果)",
        rf"{_MINE}(?:申请|审核|审批|{_SUBSIDY})(?:现在)?(?:到|走到|办到|弄到|进行到|审到)?{_WHERE}了?",
        rf"{_THIS_YEARS}{_SUBSIDY}{_WHEN}(?:到账|到卡|到|发放|发下来|发|下来|打过来|打到卡上|打款|打|给)了?",
        rf"{_WHEN}(?:发|到|给|打)(?:钱|款|{_SUBSIDY})|{_WHEN}到账",
        rf"{_MINE}的?(?:钱|补贴钱|补贴款|补贴)(?:呢|到哪了|在哪)",
        rf"{_I}(?:申请|交|提交|报)的?(?:补贴|材料|申请)?(?:到|走到|审到)?{_WHERE}了?",
        r"(?:上次|之前|前几天|前段时间)?(?:交|提交|报|递)的?(?:材料|申请|资料)?"
        r"审(?:得|的|核得|核的)?(?:咋样|怎么样|如何)了?",
        rf"{_MINE}{_SUBSIDY}(?:发|到账|到卡上|到|下来|批下来|批|打过来|打)(?:了没有|了没|了吗|了么|没有|没|吗|么)",
        rf"{_MINE}{_SUBSIDY}?(?:有没有|是否|是不是)(?:到账|发放|发下来|发|下来|批下来|通过)",
        rf"(?:申请|审核|审批)(?:通过|过|批)(?:了没有|了没|了吗|了么|没有|没|吗|么)"
        rf"|(?:审核|审批)(?:结果)?出来{_ASKED}|批下来(?:了没有|了没|了吗|没有|没|吗)",
        r"(?:my)?applications?(?:status)?|status|progress|checkstatus"
        r"|where(?:is|s)my(?:money|application|subsidy)",
    ),
    CHECK: (
        rf"{_I}{_WANT}查(?:一下|一查|查|询|看|看一下)?{_MINE}(?:(?:能|可以)(?:领|拿)(?:多少|哪些|什么|啥)?的?)?"
        rf"{_SUBSIDY}(?:金额|资格)?",
        r"(?:补贴|补助)(?:查询|测算)|测算(?:一下)?(?:补贴)?|快速测算|测一下|测一测",
        rf"(?:查|算|看|问)?(?:一下|一查|查|看|算)?{_I}{_CAN}(?:领到|拿到|领|拿|得|享受|申请)"
        rf"(?:多少|几多|哪些|什么|啥|几个|几种)(?:钱|{_SUBSIDY})?",
        rf"(?:看看|看一下|查查|查一下|问一下|问问)?{_I}(?:有没有|有无|能不能|可不可以|够不够|能否|是否)"
        rf"(?:领到|拿到|领|拿|享受|申请)?{_SUBSIDY}",
        rf"{_I}{_CAN}(?:领到|拿到|领|拿|享受|申请){_SUBSIDY}(?:吗|么|不|没)",
        rf"{_I}(?:符合|够|满足)(?:不符合|不够)?(?:条件|资格|要求)(?:吗|不|没)?",
        rf"(?:看看|看一下|查查|查一下|问一下|问问)?{_I}(?:有没有|能不能|可不可以|能否)(?:领到|拿到|领|拿)"
        r"(?:吗|么)?",
        rf"{_I}{_WANT}(?:查|看|问)(?:一下|一查|查|看)?(?:有没有|够不够|是否有|有无)(?:资格|条件)"
        rf"(?:领|拿|享受|申请)?{_SUBSIDY}?",
        r"check|checkmysubsidies|checksubsidies|check(?:my)?eligibility|howmuchcaniget",
    ),
    APPLY: (
        rf"{_I}{_WANT}(?:现在)?(?:去)?(?:申请|申报|报名|报个名|登记)(?:一下|个)?{_SUBSIDY}?"
        r"(?:怎么弄|咋弄|怎么办|咋办|怎么操作|怎么搞|咋整|怎么申请|咋申请|在哪申请|在哪里申请)?",
        rf"{_I}{_WANT}(?:现在)?(?:去)?(?:办理|办|领)(?:一下|个)?{_SUBSIDY}",
        rf"{_HOW}(?:申请|申报|报名|办理|领)(?:{_SUBSIDY})?|{_SUBSIDY}{_HOW}(?:申请|申报|办理|办|领)",
        r"(?:iwant(?:to)?|iwouldliketo|idliketo|letme|howto|howdoi|howcani)?apply(?:now)?"
        r"(?:for(?:a|the)?(?:transport)?subsidy)?",
    ),
}
_INTENT_OF = {
    "language_en": Intent(LANGUAGE, "en"),
    "language_zh": Intent(LANGUAGE, "zh_CN"),
    **{name: Intent(name) for name in INTENTS},
}

# Greetings, fillers and courtesies around a request (你好请问, 麻烦, 谢谢, please).
_BEFORE = (
    r"(?:你好|您好|喂|嗯|哦|那个|请问|麻烦你|麻烦您|麻烦|请|hi|hello|hey|老师|小助手|助手|"
    r"算了|那|我想问一下|想问一下|问一下|我想问问|问问|帮我|给我)*"
)
_AFTER = r"(?:吧|呢|啊|呀|哦|哈|啦|嘛|谢谢|谢了|多谢|please|pls|thanks|thankyou)*"
_REQUEST = re.compile(
    _BEFORE
    + "(?:"
    + "|".join(f"(?P<{name}>{'|'.join(phrasings)})" for name, phrasings in _PHRASINGS.items())
    + ")"
    + _AFTER
)
_QUESTION_MARKS = re.compile(r"[?\s]+")


def read_intent(text: str) -> Intent | None:
    """The request a message makes, or None when it makes none (or is too long to read)."""
    try:
        prepared = prepare(text, max_len=200)
    except ValueError:
        return None
    if _QUESTION_MARKS.fullmatch(prepared):
        return Intent(HELP)  # a lone ? (？ is made ? by NFKC)
    key = answer_key(prepared)
    if not key or len(key) > _MAX_KEY_LEN:
        return None
    match = _REQUEST.fullmatch(key)
    if match is None or match.lastgroup is None:
        return None
    return _INTENT_OF[match.lastgroup]
