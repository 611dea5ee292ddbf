"""The subsidy policy as code: facts in, decisions out; pure, no I/O beyond its own data files."""

from policy.assess import assess, assess_all
from policy.decision import Decision, Reason
from policy.errors import (
    AmbiguousPlace,
    InvalidFacts,
    InvalidIdNumber,
    InvalidMonth,
    ParameterError,
    PlaceCandidate,
    PolicyError,
    UnknownPlace,
    UnknownProgram,
)
from policy.facts import (
    CHANNELS,
    FACT_NAMES,
    HOUSEHOLD_TYPES,
    PROGRAMS,
    Facts,
    HouseholdType,
    Program,
    WorkChannel,
    facts_from_mapping,
)
from policy.months import Month, months_in_year
from policy.parameters import Parameters, ParameterValue, install_parameters, load_parameters
from policy.places import classify, place_name, resolve_place
from policy.ric import IdRecord, age_on, mask_id
from policy.ric import normalize as normalize_id
from policy.ric import parse as parse_id
from policy.windows import Window, next_window, open_windows, open_years, window

__all__ = [
    "CHANNELS",
    "FACT_NAMES",
    "HOUSEHOLD_TYPES",
    "PROGRAMS",
    "AmbiguousPlace",
    "Decision",
    "Facts",
    "HouseholdType",
    "IdRecord",
    "InvalidFacts",
    "InvalidIdNumber",
    "InvalidMonth",
    "Month",
    "ParameterError",
    "ParameterValue",
    "Parameters",
    "PlaceCandidate",
    "PolicyError",
    "Program",
    "Reason",
    "UnknownPlace",
    "UnknownProgram",
    "Window",
    "WorkChannel",
    "age_on",
    "assess",
    "assess_all",
    "classify",
    "facts_from_mapping",
    "install_parameters",
    "load_parameters",
    "mask_id",
    "months_in_year",
    "next_window",
    "normalize_id",
    "open_windows",
    "open_years",
    "parse_id",
    "place_name",
    "resolve_place",
    "window",
]
