"""The tagger's tools: bootstrap a gazetteer; train and evaluate the models."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from api.cli.context import UserError, state

gazetteer_app = typer.Typer(help="The gazetteer (places the tagger resolves to).", no_args_is_help=True)


@gazetteer_app.command("build")
def gazetteer_build(
    counties: Annotated[list[str], typer.Argument(help="Counties or districts, e.g. 南湖区 秀洲区")],
    city: Annotated[Optional[str], typer.Option("--city", help="The city or province, when a name is ambiguous")] = None,
    source: Annotated[Optional[Path], typer.Option("--source", help="china_location.txt/.zip (default: the one jionlp ships)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="CSV to write (default: stdout)")] = None,
) -> None:
    """Write the administrative levels (city, district, streets/towns, communities/villages) as gazetteer CSV."""
    from nlp.gazetteer_build import (DivisionDataError, find_county, gazetteer_rows, jionlp_division_file,
                                     parse_counties, read_division_lines, write_gazetteer)

    try:
        path = source or jionlp_division_file()
        if not path.is_file():
            raise DivisionDataError(f"{path}: file not found")
        every = list(parse_counties(read_division_lines(path)))
        chosen = [find_county(every, name, city) for name in counties]
    except DivisionDataError as exc:
        raise UserError(str(exc)) from None
    rows = gazetteer_rows(chosen)
    if out is None:
        write_gazetteer(rows, sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        write_gazetteer(rows, handle)
    print(f"wrote {len(rows)} places to {out}", file=sys.stderr)


eval_app = typer.Typer(help="Measure a stage against labelled data.", no_args_is_help=True)


def train_cmd(
    kind: Annotated[str, typer.Option("--kind", help="ngram (minutes; the shipped default), bert (the small transformer, ~15 min) or places (the place-name tagger, ~3 min)")] = "ngram",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Checkpoint folder (default: nlp/models/default for ngram, nlp/models/bert for bert); places: the model file (default: nlp/models/places/spans.npz)")] = None,
    ablation: Annotated[bool, typer.Option("--ablation/--no-ablation", help="Also fine-tune without pre-training and record both")] = False,
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Folder with messages.jsonl (default: ../shared/data/wenzheng)")] = None,
    labels: Annotated[Optional[list[Path]], typer.Option("--labels", help="Label JSON lines (repeatable; default: nlp/data/labels/labels_*.jsonl)")] = None,
    dev_ids: Annotated[Optional[Path], typer.Option("--dev-ids", help="Where to write the held-out dev ids")] = None,
    pretrain_epochs: Annotated[Optional[float], typer.Option("--pretrain-epochs", min=0, help="bert only")] = None,
    epochs: Annotated[Optional[int], typer.Option("--epochs", min=1, help="Training epochs (ngram: full-batch steps; bert: fine-tuning epochs)")] = None,
) -> None:
    """Train the tagger's classifier on the labelled residents' messages and print the dev metrics."""
    from nlp.training.corpus import CorpusError

    if kind not in ("ngram", "bert", "places"):
        raise UserError(f"--kind {kind!r}: use ngram, bert or places")
    if kind == "places":
        from nlp.training.place_fit import train_places

        args = {"output": output, "epochs": epochs}
        result = train_places(**{k: v for k, v in args.items() if v})
        m = result["metrics"]
        print(f"places: {m['posts']} posts of {len(m['sets'])} cities (+{m['examples'] - m['posts']} with names swapped), "
              f"{m['weights']} weight rows, "
              f"{m['seconds']} s → {result['output']}")
        return
    given = {"output": output, "shared_dir": shared, "labels": labels, "dev_ids": dev_ids}
    if labels:
        missing = [path for path in labels if not path.is_file()]
        if missing:
            raise UserError(f"{missing[0]}: label file not found")
    try:
        # progress=None: bars on a terminal, silence in pipes.
        if kind == "ngram":
            from nlp.training.ngram_run import NgramOptions, train_ngram

            given["epochs"] = epochs
            result = train_ngram(NgramOptions(**{k: v for k, v in given.items() if v is not None}), progress=None)
        else:
            from nlp.training.run import TrainOptions, train

            given |= {"pretrain_epochs": pretrain_epochs, "finetune_epochs": epochs}
            options = TrainOptions(ablation=ablation, **{k: v for k, v in given.items() if v is not None})
            result = train(options, progress=None)
    except CorpusError as exc:
        raise UserError(str(exc)) from None
    print(metrics_summary(result["metrics"], result["output_dir"]))


def metrics_summary(metrics: dict, output_dir: str) -> str:
    """The dev figures per mode as a small table, then where the checkpoint went."""
    data = metrics.get("data", {})
    lines = [f"{metrics.get('kind', 'bert')}: train {data.get('train', '?')} / dev {data.get('dev', '?')} labelled messages (topic-held-out dev)",
             f"{'mode':<10}{'L1 macro-F1':>13}{'L1 acc':>9}{'L2 acc':>9}{'complaint F1':>14}"]
    for mode, scores in metrics.get("dev", {}).items():
        lines.append(f"{mode:<10}{scores['level1_macro_f1']:>13.3f}{scores['level1_accuracy']:>9.3f}"
                     f"{scores.get('level2_accuracy', 0.0):>9.3f}{scores['complaint_f1']:>14.3f}")
    for name, reference in metrics.get("reference_dev", {}).items():
        for mode, scores in reference.items():
            lines.append(f"{name + ':' + mode:<10}{scores['level1_macro_f1']:>13.3f}{scores['level1_accuracy']:>9.3f}"
                         f"{scores.get('level2_accuracy', 0.0):>9.3f}{scores['complaint_f1']:>14.3f}")
    written = metrics.get("written_dev") or {}
    if written:
        lines.append(f"held-out written posts ({data.get('written_dev', '?')}: chatter, ads, short complaints): "
                     + ", ".join(f"{mode} complaint F1 {s['complaint_f1']:.3f}"
                                 + (f" L1 acc {s['level1_accuracy']:.3f}" if "level1_accuracy" in s else "")
                                 for mode, s in written.items()))
    if "lexicon_weight" in metrics:
        lines.append(f"blend lexicon weight {metrics['lexicon_weight']} (cross-validated on the training labels: "
                     f"{metrics.get('lexicon_weight_cv_level1_macro_f1') or 'default'})")
    lines.append(f"saved {output_dir} (tagger mode: {metrics.get('default_mode', '?')})")
    return "\n".join(lines)


@eval_app.command("nlp")
def eval_nlp(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", help="JSON lines: text and any of title, is_complaint, level1, level3, place")],
) -> None:
    """Score the configured tagger against a labelled JSON-lines file."""
    from nlp.checkpoint import ModelError
    from nlp.evaluate import EvalDataError, eval_command

    cli = state(ctx)
    cli.settings  # a bad config is reported before the slow tagger start
    if not data.is_file():
        raise UserError(f"{data}: file not found")
    try:
        print(eval_command(cli.runtime.tagger, data))
    except (EvalDataError, ModelError) as exc:
        raise UserError(str(exc)) from None


def register(app: typer.Typer) -> None:
    app.add_typer(gazetteer_app, name="gazetteer")
    app.add_typer(eval_app, name="eval")
    app.command("train")(train_cmd)
