"""The scales are scored exactly as published, edge values included."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missions import assessments
from missions.assessments import MORE_OR_LESS, NO, YES

# --- UCLA 3-item: hardly ever 1, some of the time 2, often 3; total 3-9; lonely from 6. ---


def test_ucla3_bounds_are_3_and_9():
    assert assessments.ucla3([1, 1, 1]).total == 3
    assert assessments.ucla3([3, 3, 3]).total == 9


def test_ucla3_is_lonely_from_6_and_not_at_5(settings):
    settings.LIENS_UCLA3_LONELY_FROM = 6
    assert not assessments.ucla3([1, 2, 2]).flagged  # 5
    assert assessments.ucla3([2, 2, 2]).flagged  # 6


def test_ucla3_threshold_is_a_setting(settings):
    settings.LIENS_UCLA3_LONELY_FROM = 7
    assert not assessments.ucla3([2, 2, 2]).flagged


@given(st.lists(st.sampled_from([1, 2, 3]), min_size=3, max_size=3))
def test_ucla3_total_is_the_sum_of_items(answers):
    result = assessments.ucla3(answers)
    assert result.total == sum(answers)
    assert 3 <= result.total <= 9


@pytest.mark.parametrize("answers", [[0, 1, 1], [1, 1, 4], [1, 1], [1, 1, 1, 1], [True, 1, 1], ["1", 1, 1]])
def test_ucla3_refuses_answers_outside_the_items(answers):
    with pytest.raises(ValueError):
        assessments.ucla3(answers)


# --- LSNS-6: six items 0-5 (none, one, two, three-four, five-eight, nine+); total 0-30. ---


def test_lsns6_bounds_and_subscales():
    low = assessments.lsns6([0] * 6)
    high = assessments.lsns6([5] * 6)
    assert (low.total, low.subscales) == (0, {"family": 0, "friends": 0})
    assert (high.total, high.subscales) == (30, {"family": 15, "friends": 15})


def test_lsns6_family_items_come_first_then_friends():
    result = assessments.lsns6([5, 4, 3, 0, 1, 0])
    assert result.subscales == {"family": 12, "friends": 1}
    assert result.total == 13


def test_lsns6_is_isolated_below_12_not_at_12(settings):
    settings.LIENS_LSNS6_ISOLATED_BELOW = 12
    assert assessments.lsns6([2, 2, 2, 2, 2, 1]).flagged  # 11
    assert not assessments.lsns6([2, 2, 2, 2, 2, 2]).flagged  # 12


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=6, max_size=6))
def test_lsns6_total_is_family_plus_friends(answers):
    result = assessments.lsns6(answers)
    assert result.total == result.subscales["family"] + result.subscales["friends"] == sum(answers)
    assert 0 <= result.subscales["family"] <= 15 and 0 <= result.subscales["friends"] <= 15


@pytest.mark.parametrize("answers", [[6, 0, 0, 0, 0, 0], [-1, 0, 0, 0, 0, 0], [0] * 5, [0] * 7])
def test_lsns6_refuses_answers_outside_the_items(answers):
    with pytest.raises(ValueError):
        assessments.lsns6(answers)


# --- De Jong Gierveld 6: emotional items (negative) score yes/more-or-less; social items
#     (positive) score no/more-or-less; subscales 0-3; total 0-6. ---


def test_djg6_emotional_items_score_yes_and_more_or_less():
    result = assessments.djg6([YES, MORE_OR_LESS, NO, YES, YES, YES])
    assert result.subscales == {"emotional": 2, "social": 0}


def test_djg6_social_items_score_no_and_more_or_less():
    result = assessments.djg6([NO, NO, NO, NO, MORE_OR_LESS, YES])
    assert result.subscales == {"emotional": 0, "social": 2}


def test_djg6_bounds():
    assert assessments.djg6([NO, NO, NO, YES, YES, YES]).total == 0
    worst = assessments.djg6([YES, YES, YES, NO, NO, NO])
    assert (worst.total, worst.subscales) == (6, {"emotional": 3, "social": 3})


def test_djg6_more_or_less_everywhere_scores_every_item():
    assert assessments.djg6([MORE_OR_LESS] * 6).total == 6


@given(st.lists(st.sampled_from([YES, MORE_OR_LESS, NO]), min_size=6, max_size=6))
def test_djg6_matches_the_published_item_keys(answers):
    emotional = sum(a != NO for a in answers[:3])
    social = sum(a != YES for a in answers[3:])
    result = assessments.djg6(answers)
    assert result.subscales == {"emotional": emotional, "social": social}
    assert result.total == emotional + social


def test_djg6_refuses_unknown_answers():
    with pytest.raises(ValueError):
        assessments.djg6([YES, YES, YES, NO, NO, "maybe"])


# --- The direct question. ---


@pytest.mark.parametrize(
    ("answer", "score", "flagged"),
    [("never", 0, False), ("rarely", 1, False), ("sometimes", 2, False), ("often", 3, True), ("always", 4, True)],
)
def test_direct_question_scores_and_flags_often_and_always(answer, score, flagged):
    result = assessments.direct(answer)
    assert (result.total, result.flagged) == (score, flagged)


def test_direct_question_refuses_other_answers():
    with pytest.raises(ValueError):
        assessments.direct("daily")


def test_score_dispatches_by_scale_and_refuses_unknown_scales():
    assert assessments.score("ucla3", [3, 3, 3]).total == 9
    assert assessments.score("direct", ["often"]).total == 3
    with pytest.raises(ValueError):
        assessments.score("gds15", [1])
