"""The catalog: one entry per model with its generate function, weights, kind and parameters, read by all."""
import argparse

import pytest
from composerlab.cli.compose import add_model_options, model_options, model_params
from composerlab.models.arcnn.generate import edit, generate
from composerlab.models.catalog import MODELS, get_model
from composerlab.models.corpora.genres import GENRES
from composerlab.models.gan.custom import check_name
from composerlab.models.gan.generate import compose
from composerlab.models.transformer.generate import extend
from composerlab.widgets.chain import PARAMETERS, parameters_of


def test_every_entry_holds_its_generate_function_weights_and_parameters():
    assert MODELS["bach"].generate is compose and MODELS["arcnn"].generate is generate
    assert MODELS["transformer"].generate is extend
    for entry in MODELS.values():
        assert entry.weights_path().is_file(), entry.name
        assert entry.card == f"{entry.weights}.md" and entry.parameters
    assert [p.name for p in MODELS["arcnn"].parameters] == ["iterations", "max_removed", "max_added", "temperature"]
    assert edit.__defaults__[1:5] == tuple(p.default for p in MODELS["arcnn"].parameters)


def test_genres_are_registered_once_and_the_catalog_reads_them():
    assert [n for n, e in MODELS.items() if e.family == "GAN"] == ["bach", *GENRES]
    for name, genre in GENRES.items():
        assert MODELS[name].summary == genre.summary and MODELS[name].weights == genre.weights


def test_the_command_lines_options_and_the_studios_controls_come_from_the_entries():
    options = model_options()
    assert set(options) == {"--key-rule", "--programs", "--raw", "--iterations", "--max-removed", "--max-added",
                            "--temperature", "--bars", "--top-k", "--top-p"}
    assert [family for family, _ in options["--temperature"]] == ["AR-CNN", "Transformer"]
    parser = argparse.ArgumentParser()
    add_model_options(parser)
    args = parser.parse_args(["--temperature", "1.5", "--raw", "--programs", "0,0,0,0"])
    assert model_params(get_model("arcnn"), args) == {"temperature": 1.5}
    assert model_params(get_model("bach"), args) == {"in_key": False, "programs": (0, 0, 0, 0), "decoding": "raw"}
    assert [p.name for p in parameters_of("bach")] == ["in_key"] == [p.name for p in PARAMETERS["accompany"]]


def test_a_model_of_your_own_cannot_take_a_shipped_name():
    with pytest.raises(ValueError, match="shipped model's name"):
        check_name("palestrina")
    with pytest.raises(ValueError, match="shipped model's name"):
        check_name("arcnn", reserved=MODELS)
    assert check_name("arcnn") == "arcnn"  # the GAN's own names only, unless told the catalog's
