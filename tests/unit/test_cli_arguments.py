"""The command line's arguments: the GUI start takes a shortcut past the full parser."""

from __future__ import annotations

import pytest

from novamind_desktop.cli import build_parser, parse_arguments


@pytest.mark.parametrize("argv", [[], ["--demo"]])
def test_gui_start_reads_as_the_full_parser_would(argv):
    assert vars(parse_arguments(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [["db", "status"], ["--demo", "keygen"], ["export", "patients", "--format", "fhir"]],
)
def test_commands_still_go_through_the_parser(argv):
    assert vars(parse_arguments(argv)) == vars(build_parser().parse_args(argv))
    assert parse_arguments(argv).command is not None


def test_unknown_arguments_are_refused_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        parse_arguments(["--demo", "--nonsense"])
    assert exited.value.code == 2
    assert "--nonsense" in capsys.readouterr().err
