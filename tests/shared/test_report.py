"""print_report: one aligned row per number (nested mappings indented), JSON last with --json."""

import json

from dldemo.shared.report import print_report, report_run_saved


def test_rows_are_aligned_and_floats_have_fixed_decimals(capsys):
    print_report({"split": "val", "miou": 0.56961, "images": 4, "missing": None}, as_json=False)
    assert capsys.readouterr().out.splitlines() == [
        "split    val",
        "miou     0.5696",
        "images   4",
        "missing  -",
    ]


def test_nested_mappings_are_indented_and_json_comes_last_unrounded(capsys):
    numbers = {"miou": 0.5, "per_class_iou": {"sky": 0.9123, "pole": None}}
    print_report(numbers, as_json=True, digits=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["miou           0.50", "per_class_iou", "  sky          0.91", "  pole         -"]
    assert json.loads(lines[-1]) == numbers and len(lines) == 5


def test_summary_lines_replace_the_rows(capsys):
    print_report({"bleu": 36.37}, as_json=True, summary=["BLEU 36.37 (signature)"])
    assert capsys.readouterr().out.splitlines() == ["BLEU 36.37 (signature)", '{"bleu": 36.37}']


def test_run_saved_line_names_the_eval_command(capsys):
    report_run_saved("segment", "runs/segment/1")
    assert capsys.readouterr().out.strip() == (
        "run saved in runs/segment/1: evaluate with `dldemo eval segment --weights runs/segment/1`"
    )
