"""Loneliness and social-network scales, scored exactly as published. Pure functions.

- UCLA 3-item loneliness scale (Hughes, Waite, Hawkley & Cacioppo, 2004): three questions
  answered "hardly ever" (1), "some of the time" (2) or "often" (3); total 3-9, higher is
  lonelier; LIENS_UCLA3_LONELY_FROM (6) and above counts as lonely.
- Lubben Social Network Scale, 6 items (Lubben et al., 2006): three questions about relatives
  and the same three about friends, each answered none (0), one (1), two (2), three or four
  (3), five to eight (4), nine or more (5); family and friends subscales 0-15, total 0-30,
  lower is more isolated; below LIENS_LSNS6_ISOLATED_BELOW (12) counts as isolated.
- De Jong Gierveld 6-item loneliness scale (De Jong Gierveld & Van Tilburg, 2006): three
  negatively worded emotional items, where "yes" and "more or less" score 1, and three
  positively worded social items, where "no" and "more or less" score 1; subscales 0-3,
  total 0-6, higher is lonelier.
- The direct question "How often do you feel lonely?": never (0), rarely (1), sometimes (2),
  often (3), always (4); "often" or "always" is what national surveys report as chronic
  loneliness.

Each scorer takes the answers in the published item order and returns a Score; answers of the
wrong number or outside the item's range raise ValueError (forms check them first).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

UCLA3_ITEMS = (
    _("How often do you feel that you lack companionship?"),
    _("How often do you feel left out?"),
    _("How often do you feel isolated from others?"),
)
UCLA3_CHOICES = ((1, _("Hardly ever")), (2, _("Some of the time")), (3, _("Often")))

LSNS6_ITEMS = (
    _("How many relatives do you see or hear from at least once a month?"),
    _("How many relatives do you feel at ease with that you can talk about private matters?"),
    _("How many relatives do you feel close to such that you could call on them for help?"),
    _("How many of your friends do you see or hear from at least once a month?"),
    _("How many friends do you feel at ease with that you can talk about private matters?"),
    _("How many friends do you feel close to such that you could call on them for help?"),
)
LSNS6_CHOICES = (
    (0, _("None")),
    (1, _("One")),
    (2, _("Two")),
    (3, _("Three or four")),
    (4, _("Five to eight")),
    (5, _("Nine or more")),
)

YES, MORE_OR_LESS, NO = "yes", "more_or_less", "no"
DJG6_CHOICES = ((YES, _("Yes")), (MORE_OR_LESS, _("More or less")), (NO, _("No")))
DJG6_EMOTIONAL_ITEMS = (
    _("I experience a general sense of emptiness."),
    _("I miss having people around me."),
    _("I often feel rejected."),
)
DJG6_SOCIAL_ITEMS = (
    _("There are plenty of people I can rely on when I have problems."),
    _("There are many people I can trust completely."),
    _("There are enough people I feel close to."),
)
DJG6_ITEMS = DJG6_EMOTIONAL_ITEMS + DJG6_SOCIAL_ITEMS

DIRECT_QUESTION = _("How often do you feel lonely?")
DIRECT_CHOICES = (
    ("never", _("Never")),
    ("rarely", _("Rarely")),
    ("sometimes", _("Sometimes")),
    ("often", _("Often")),
    ("always", _("Always")),
)
DIRECT_SCORES = {value: index for index, (value, _label) in enumerate(DIRECT_CHOICES)}


@dataclass(frozen=True)
class Score:
    """A scored assessment: total, named subscales, and whether it crosses the scale's threshold."""

    scale: str
    total: int
    minimum: int
    maximum: int
    # True when the score says "lonely" (UCLA-3, DJG-6, direct) or "isolated" (LSNS-6).
    flagged: bool
    subscales: dict[str, int] = field(default_factory=dict)
    answers: tuple = ()


def _check_items(answers: Sequence, *, count: int, allowed, scale: str) -> tuple:
    answers = tuple(answers)
    if len(answers) != count:
        raise ValueError(f"{scale} takes {count} answers, got {len(answers)}")
    for position, answer in enumerate(answers, start=1):
        # bool is an int in Python; True must not pass for "1".
        if isinstance(answer, bool) or answer not in allowed:
            raise ValueError(f"{scale} item {position}: {answer!r} is not one of {sorted(allowed, key=str)}")
    return answers


def ucla3(answers: Sequence[int], *, lonely_from: int | None = None) -> Score:
    """UCLA-3: three items scored 1-3, total 3-9; lonely from LIENS_UCLA3_LONELY_FROM."""
    answers = _check_items(answers, count=3, allowed={1, 2, 3}, scale="UCLA-3")
    threshold = settings.LIENS_UCLA3_LONELY_FROM if lonely_from is None else lonely_from
    total = sum(answers)
    return Score(scale="ucla3", total=total, minimum=3, maximum=9, flagged=total >= threshold, answers=answers)


def lsns6(answers: Sequence[int], *, isolated_below: int | None = None) -> Score:
    """LSNS-6: three family then three friends items scored 0-5; total 0-30; isolated below the threshold."""
    answers = _check_items(answers, count=6, allowed={0, 1, 2, 3, 4, 5}, scale="LSNS-6")
    threshold = settings.LIENS_LSNS6_ISOLATED_BELOW if isolated_below is None else isolated_below
    family, friends = sum(answers[:3]), sum(answers[3:])
    total = family + friends
    return Score(
        scale="lsns6",
        total=total,
        minimum=0,
        maximum=30,
        flagged=total < threshold,
        subscales={"family": family, "friends": friends},
        answers=answers,
    )


def djg6(answers: Sequence[str], *, lonely_from: int | None = None) -> Score:
    """De Jong Gierveld 6: emotional items 1-3 then social items 4-6; subscales 0-3, total 0-6.

    Flagged from LIENS_DJG6_LONELY_FROM (2 unless set): the scale's authors publish no single
    cut-off for the short form, so it is a setting like the other thresholds.
    """
    answers = _check_items(answers, count=6, allowed={YES, MORE_OR_LESS, NO}, scale="DJG-6")
    # Emotional items are negatively worded: agreeing, even partly, signals loneliness.
    emotional = sum(1 for answer in answers[:3] if answer in (YES, MORE_OR_LESS))
    # Social items are positively worded: disagreeing, even partly, signals loneliness.
    social = sum(1 for answer in answers[3:] if answer in (NO, MORE_OR_LESS))
    total = emotional + social
    threshold = getattr(settings, "LIENS_DJG6_LONELY_FROM", 2) if lonely_from is None else lonely_from
    return Score(
        scale="djg6",
        total=total,
        minimum=0,
        maximum=6,
        flagged=total >= threshold,
        subscales={"emotional": emotional, "social": social},
        answers=answers,
    )


def direct(answer: str) -> Score:
    """The direct question: never 0 … always 4; flagged at "often" or "always"."""
    (answer,) = _check_items([answer], count=1, allowed=set(DIRECT_SCORES), scale="direct")
    total = DIRECT_SCORES[answer]
    return Score(
        scale="direct", total=total, minimum=0, maximum=4, flagged=total >= DIRECT_SCORES["often"], answers=(answer,)
    )


SCORERS = {"ucla3": ucla3, "lsns6": lsns6, "djg6": djg6, "direct": lambda answers: direct(answers[0])}


def score(scale: str, answers: Sequence) -> Score:
    """Score `answers` on `scale` (ucla3, lsns6, djg6, direct); ValueError on bad input."""
    try:
        scorer = SCORERS[scale]
    except KeyError as exc:
        raise ValueError(f"unknown scale {scale!r}") from exc
    if scale == "direct" and len(answers) != 1:
        raise ValueError("direct takes exactly one answer")
    return scorer(answers)


# --- what a score means, for a trend ------------------------------------------------------------


@dataclass(frozen=True)
class ScaleFacts:
    """How to read a scale's scores over time: its range, its direction and its threshold."""

    scale: str
    short_name: str
    minimum: int
    maximum: int
    # True for the loneliness scales (UCLA-3, DJG-6, the direct question): a higher score is
    # lonelier. False for LSNS-6, where a higher score is a wider network.
    higher_is_worse: bool
    # The first score that is flagged (higher_is_worse) or the score below which it is flagged.
    threshold: int


def scale_facts(scale: str) -> ScaleFacts:
    """Facts of `scale`, with thresholds read from the settings at call time (as the scorers do)."""
    if scale == "ucla3":
        return ScaleFacts("ucla3", "UCLA-3", 3, 9, True, settings.LIENS_UCLA3_LONELY_FROM)
    if scale == "lsns6":
        return ScaleFacts("lsns6", "LSNS-6", 0, 30, False, settings.LIENS_LSNS6_ISOLATED_BELOW)
    if scale == "djg6":
        return ScaleFacts("djg6", "DJG-6", 0, 6, True, getattr(settings, "LIENS_DJG6_LONELY_FROM", 2))
    if scale == "direct":
        return ScaleFacts("direct", str(_("direct question")), 0, 4, True, DIRECT_SCORES["often"])
    raise ValueError(f"unknown scale {scale!r}")
