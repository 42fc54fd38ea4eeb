"""A model's parameters described once: the one check and its words, read by the command line and the studio."""
import pytest
from composerlab.errors import ParameterError
from composerlab.models.parameters import Parameter, check_parameters, defaults

STEPS = Parameter("steps", "steps", 10, "how many", low=1, high=100, whole=True, step=1, option="--steps")
SHARE = Parameter("share", "share", 0.5, "how much", low=0, above=True, high=1, requirement="above 0 and at most 1")


def test_values_come_back_as_the_model_takes_them_and_defaults_fill_the_rest():
    assert check_parameters([STEPS, SHARE], {"steps": 20.0}) == {"steps": 20, "share": 0.5}
    assert isinstance(check_parameters([STEPS], {"steps": 20.0})["steps"], int)
    assert defaults([STEPS, SHARE]) == {"steps": 10, "share": 0.5}


@pytest.mark.parametrize("parameter, value, message", [
    (STEPS, 0, "steps must be from 1 to 100, got 0"),
    (STEPS, 2.5, "steps must be a whole number, got 2.5"),
    (STEPS, "many", "steps must be a number from 1 to 100, got 'many'"),
    (STEPS, True, "steps must be a number from 1 to 100, got True"),
    (STEPS, float("inf"), "steps must be from 1 to 100, got inf"),
    (SHARE, 0, "share must be above 0 and at most 1, got 0"),
    (SHARE, 1.5, "share must be above 0 and at most 1, got 1.5"),
])
def test_a_bad_value_is_refused_naming_the_parameter_and_what_it_takes(parameter, value, message):
    with pytest.raises(ParameterError) as err:
        check_parameters([parameter], {parameter.name: value})
    assert str(err.value) == message and err.value.name == parameter.name


def test_the_accepted_values_in_words_and_the_studios_bounds():
    assert STEPS.accepted() == "1-100" and SHARE.accepted() == "above 0, at most 1"
    assert Parameter("k", "k", 0, "", low=0, whole=True).accepted() == "0 or more"
    assert STEPS.bounds == (1, 100)
    assert Parameter("t", "t", 1.0, "", low=0, above=True, shown=(0.1, 3.0)).bounds == (0.1, 3.0)
