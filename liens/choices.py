"""Vocabularies shared by volunteers and missions: visit kinds, interests, languages, gender."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE_CALL = "phone_call", _("Phone call")
    OUTING = "outing", _("Outing")
    GROUP_EVENT = "group_event", _("Group event")


# Kinds where the volunteer travels to the person: the travel radius and vetting apply.
IN_PERSON_KINDS = frozenset({VisitKind.HOME_VISIT, VisitKind.OUTING})


class Interest(models.TextChoices):
    BOARD_GAMES = "board_games", _("board games")
    CARDS = "cards", _("card games")
    GARDENING = "gardening", _("gardening")
    READING = "reading", _("reading")
    MUSIC = "music", _("music")
    COOKING = "cooking", _("cooking")
    WALKING = "walking", _("walks")
    HISTORY = "history", _("local history")
    CINEMA = "cinema", _("cinema")
    KNITTING = "knitting", _("knitting and sewing")
    SPORT = "sport", _("sport on TV")
    NEWS = "news", _("news and politics")
    PETS = "pets", _("animals")
    CROSSWORDS = "crosswords", _("crosswords")
    TECHNOLOGY = "technology", _("phones and computers")
    ART = "art", _("painting and drawing")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    ITALIAN = "it", _("Italian")
    GERMAN = "de", _("German")
    OCCITAN = "oc", _("Occitan")
    VIETNAMESE = "vi", _("Vietnamese")
    FRENCH_SIGN = "lsf", _("French Sign Language")


class Gender(models.TextChoices):
    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")
    OTHER = "other", _("Other / not said")


class VisitorPreference(models.TextChoices):
    ANY = "any", _("No preference")
    FEMALE = "female", _("A woman")
    MALE = "male", _("A man")
