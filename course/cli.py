"""The instructor's command line: a thin face over the authoring tools (course.authoring) and the grader (course.grading)."""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from pathlib import Path

import click

from course import manifest
from course.authoring import demo, validate
from course.authoring import release as releasing
from course.authoring import site as website
from course.authoring.translate import LANGUAGES
from course.errors import CourseError, ValidationError
from course.grading import grade, report
from course.grading.engine import ENGINES
from course.paths import find_root

_DEBUG = False


def _ids(root: Path | None, assignment_id: str | None) -> list[str]:
    return [assignment_id] if assignment_id else manifest.available(root)


def _progress(message: str) -> None:
    click.echo(f"  … {message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The course repository (default: found from the current folder).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, root: Path | None) -> None:
    """Social Design Lab instructor tools: release, validate and grade assignments."""
    global _DEBUG
    _DEBUG = debug
    ctx.obj = {"root": root}


@cli.command("list")
@click.pass_context
def list_cmd(ctx):
    """List the assignments declared in assignments/."""
    for m in manifest.load_all(ctx.obj["root"]):
        auto = sum(1 for q in m.questions if q.kind == "auto")
        click.echo(f"{m.id:<28} {m.title}  ({m.points:g} points: {auto} autograded, "
                   f"{len(m.questions) - auto} by hand; {m.minutes} min; due {m.due:%Y-%m-%d})")
    unread = manifest.unread_files(ctx.obj["root"])
    for line in unread:
        click.echo(f"error: {line}", err=True)
    if unread:
        sys.exit(1)


@cli.command("release")
@click.argument("assignment_id", required=False)
@click.option("--check", is_flag=True, help="Only check that release/ is up to date; change nothing.")
@click.option("--to-exchange", is_flag=True,
              help="Also release to students through the nbgrader exchange (the hub's Assignments tab).")
@click.option("--lang", type=click.Choice([releasing.ENGLISH, *LANGUAGES]), default=None,
              help="Only this language: en (release/ID) or a translation (release/LANG/ID). Default: English and every "
                   "translation the assignment has; with --to-exchange, COURSE_LANG's language, else English.")
@click.pass_context
def release_cmd(ctx, assignment_id, check, to_exchange, lang):
    """Regenerate release/ID (and release/LANG/ID) from source/ID with nbgrader (every assignment if no ID) and check it."""
    for aid in _ids(ctx.obj["root"], assignment_id):
        if to_exchange:
            chosen = lang or releasing.exchange_language()
            released, outbound = releasing.release_and_publish(aid, ctx.obj["root"], lang=chosen)
            click.echo(released.summary())
            click.echo(f"{aid}: released to students through the exchange ({chosen}): {outbound}")
            continue
        if lang and not assignment_id and lang not in releasing.languages(aid, ctx.obj["root"]):
            continue  # every assignment in one language: those translated into it
        for one in [lang] if lang else releasing.languages(aid, ctx.obj["root"]):
            if check:
                releasing.check_release(aid, ctx.obj["root"], lang=one)
                click.echo(f"{aid}: {releasing.release_dir(aid, one, ctx.obj['root']).relative_to(find_root(ctx.obj['root']))}/"
                           " is what nbgrader generates from source/, with no solution or hidden test.")
            else:
                click.echo(releasing.release(aid, ctx.obj["root"], lang=one).summary())


@cli.command("validate")
@click.argument("assignment_id", required=False)
@click.option("--no-round-trip", is_flag=True, help="Only run the notebooks; skip the nbgrader grading check.")
@click.option("--mistakes", is_flag=True,
              help="Only say which test catches each question's plausible mistake (the manifest's wrong: answer): "
                   "a visible test, the hidden tests only, or none.")
@click.option("--question", "-q", "questions", multiple=True, metavar="ID",
              help="With --mistakes: only this question (repeat for more), e.g. -q q3 -q q5.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Validate the translated release instead: its notebooks run, and submissions made from it score as "
                   "in English (solution full, blank zero). Assignments without that translation are skipped.")
@click.option("--parameters", "-p", "parameter_sets", multiple=True, metavar="NAME",
              help="Only this parameter set of the manifest (repeat for more); default: every set.")
@click.pass_context
def validate_cmd(ctx, assignment_id, no_round_trip, mistakes, questions, lang, parameter_sets):
    """Run source notebooks under every parameter set; prove the solution scores full, the blank scores zero,
    and every plausible mistake the manifest lists fails a visible test that names it."""
    if lang:
        if mistakes or questions:
            raise click.UsageError("--lang checks a translated release; --mistakes are the same in every language.")
        ids = [a for a in _ids(ctx.obj["root"], assignment_id) if lang in releasing.languages(a, ctx.obj["root"])]
        if not ids:
            raise click.UsageError(f"no assignment here has a translation into {lang} (source/<id>.{lang}.yml).")
        for aid in ids:
            click.echo(validate.validate(aid, root=ctx.obj["root"], round_trip=not no_round_trip, progress=_progress,
                                         lang=lang).summary())
        return
    if mistakes:  # every assignment's table, then every problem
        problems = []
        for aid in _ids(ctx.obj["root"], assignment_id):
            catches = validate.mistakes(aid, root=ctx.obj["root"], progress=_progress, questions=questions)
            click.echo(validate.mistakes_summary(aid, catches))
            problems += [f"{aid} {p}" for p in validate.mistake_problems(manifest.load(aid, ctx.obj["root"]), catches,
                                                                          questions)]
        if problems:
            raise ValidationError(f"{len(problems)} problem(s) with plausible mistakes (docs/AUTHORING.md, section 1):\n  - "
                                  + "\n  - ".join(problems))
        return
    if questions:
        raise click.UsageError("--question goes with --mistakes.")
    problems = []
    for aid in _ids(ctx.obj["root"], assignment_id):
        click.echo(validate.validate(aid, root=ctx.obj["root"], round_trip=not no_round_trip, progress=_progress,
                                     parameters=parameter_sets or None).summary())
        # the rule on plausible mistakes: at least three per question, each named by a visible test
        catches = validate.mistakes(aid, root=ctx.obj["root"], progress=_progress)
        click.echo(validate.mistakes_summary(aid, catches).splitlines()[0])
        problems += [f"{aid} {p}" for p in validate.mistake_problems(manifest.load(aid, ctx.obj["root"]), catches)]
    if problems:
        raise ValidationError(f"{len(problems)} problem(s) with plausible mistakes (docs/AUTHORING.md, section 1; "
                              "`course validate ID --mistakes` shows each):\n  - " + "\n  - ".join(problems))


@cli.command("syllabus")
@click.option("--check", is_flag=True, help="Only check that docs/SYLLABUS.md is up to date; change nothing.")
@click.pass_context
def syllabus_cmd(ctx, check):
    """Write docs/SYLLABUS.md (and docs/ja/SYLLABUS.md) from assignments/*.yml (objectives, time, points of every module)."""
    from course.authoring import syllabus

    if check:
        for path in syllabus.check_all(ctx.obj["root"]):
            click.echo(f"{path} is what the manifests generate.")
    else:
        for path in syllabus.write_all(ctx.obj["root"]):
            click.echo(f"Wrote {path}.")


@cli.command("bundle")
@click.option("--student", "dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write what students may read (the package, release/, public manifests, Jupyter configs) to this folder.")
@click.option("--dockerignore", is_flag=True, help="Write .dockerignore (the image's build context) from the same list.")
@click.option("--scan", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Only look for solutions and hidden tests in this folder; exit 1 naming each file that holds one.")
@click.pass_context
def bundle_cmd(ctx, dest, dockerignore, scan):
    """The public part of the course: only what a student's install may carry (never source/ or .work/)."""
    from course.authoring import bundle

    if sum(x is not None and x is not False for x in (dest, dockerignore or None, scan)) != 1:
        raise click.UsageError("give one of --student DEST, --dockerignore or --scan DIR.")
    if dest is not None:
        click.echo(bundle.write_student(dest, ctx.obj["root"]).summary())
    elif dockerignore:
        click.echo(f"Wrote {bundle.write_dockerignore(ctx.obj['root'])}.")
    else:
        from course.paths import find_root

        try:
            root = find_root(ctx.obj["root"])
        except CourseError:
            root = None  # no instructor's repository here: markers and folder names only
        problems = bundle.find_secrets(scan, root if root is not None and (root / "source").is_dir() else None)
        for line in problems:
            click.echo(line)
        if problems:
            sys.exit(1)
        click.echo(f"{scan}: no solution and no hidden test found"
                   f"{'' if root is not None and (root / 'source').is_dir() else ' (nbgrader markers and folder names only: no source/ to compare with)'}.")


@cli.command("site")
@click.argument("modules", nargs=-1)
@click.option("--lang", "languages", multiple=True,
              help=f"A language to build ({', '.join(website.LANGUAGES)}); repeat for several [default: each one released].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"The output folder, replaced if an earlier build wrote it [default: {website.DEFAULT_OUT}/].")
@click.option("--no-execute", is_flag=True, help="Show the teaching notebooks as released, without running them (a quick preview).")
@click.option("--timeout", default=website.DEFAULT_TIMEOUT, show_default=True, help="Seconds any one cell may take.")
@click.pass_context
def site_cmd(ctx, modules, languages, out, no_execute, timeout):
    """Build the course website from release/ and docs/, in each released language, offline (no solutions: checked)."""
    site = website.build(ctx.obj["root"], list(modules) or None, out, list(languages) or None,
                         execute_teaching=not no_execute, timeout=timeout, progress=_progress)
    click.echo(site.summary())


@cli.command("demo")
@click.option("--assignment", "assignment_id", default=demo.DEFAULT_ASSIGNMENT, show_default=True,
              help="The assignment the sample class hands in.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Folder for grades, report and feedback [default: {demo.DEFAULT_OUTPUT}/].")
@click.pass_context
def demo_cmd(ctx, assignment_id, output):
    """The whole instructor cycle on a bundled sample class, offline, with a throw-away sqlite gradebook."""
    started = time.perf_counter()
    run, rep = demo.run_demo(assignment_id, output=output, root=ctx.obj["root"], progress=_progress)
    _print_run(run, rep)
    click.echo(f"\nDemo finished in {time.perf_counter() - started:.0f} s.")


@cli.command("grade")
@click.argument("assignment_id")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV of the class: id,first_name,last_name,email.")
@click.option("--submissions", type=click.Path(path_type=Path), default=None,
              help="Submissions as downloaded: a folder or .zip, one sub-folder per student id, or Canvas's or Moodle's download.")
@click.option("--encoding", "roster_encoding", default=None, metavar="NAME",
              help="The roster's encoding (default: detected; UTF-8, Shift_JIS/cp932 or cp1252).")
@click.option("--no-collect", is_flag=True, help="Do not collect from the nbgrader exchange.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Submissions executed at once, each in its own sandbox [default: as many as this machine's CPU and "
                   "memory limits hold with the assignment's run limits; the first line says which limit chose].")
@click.option("--regrade", is_flag=True, help="Grade again submissions already graded and unchanged.")
@click.option("--student", "only", multiple=True,
              help="Grade this student again, even if unchanged (repeat for more); every other row stays as last recorded.")
@click.option("--unsandboxed", is_flag=True,
              help="Grade WITHOUT a sandbox: students' code runs with your rights. Only for trusted submissions.")
@click.option("--engine", type=click.Choice([e for e in ENGINES if e != "local"]), default="zygote", show_default=True,
              envvar="COURSE_ENGINE", show_envvar=True,
              help="How sandboxed runs start: pre-loaded zygotes (fast), or a fresh sandbox and kernel per run.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for grades, report and feedback [default: .work/grades/ID].")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", envvar="COURSE_DASK_SCHEDULER", show_envvar=True,
              help="Run the submissions on this Dask scheduler's workers [default: a local cluster of --workers processes].")
@click.option("--gateway", default=None, metavar="URL", envvar="COURSE_DASK_GATEWAY", show_envvar=True,
              help="Run the submissions on a cluster of --workers workers that this Dask Gateway starts (not with --scheduler).")
@click.option("--final", is_flag=True,
              help="Write the Canvas and Moodle files only if every hand grade is in; else name what is missing, exit 1.")
@click.pass_context
def grade_cmd(ctx, assignment_id, roster, submissions, roster_encoding, no_collect, workers, regrade, only, unsandboxed, engine,
              output, scheduler, gateway, final):
    """Collect, autograde, write feedback and export grades for a real class."""
    from course.paths import find_root, work_dir

    if unsandboxed:
        click.echo("WARNING: grading unsandboxed: every submission runs with your rights.", err=True)
    run = grade.grade_all(assignment_id, roster=roster, submissions=submissions, collect=not no_collect,
                          sandboxed=not unsandboxed, engine=engine, workers=workers, regrade=regrade, only=list(only) or None,
                          root=ctx.obj["root"], progress=_progress, roster_encoding=roster_encoding, scheduler=scheduler,
                          gateway=gateway)
    out = output or work_dir(find_root(ctx.obj["root"])) / "grades" / assignment_id
    rep = report.write_report(run, out, final=final)
    _print_run(run, rep)
    if rep.not_final:
        raise CourseError(f"not final: no Canvas or Moodle file written; {len(rep.not_final)} submission(s) still need "
                          "grading by hand in the formgrader (then run this again):\n" + "\n".join(rep.not_final))
    from course.grading.autograde import NOT_EQUAL

    unequal = [r.student for r in run.results if NOT_EQUAL in r.reason]
    if unequal:
        click.echo(f"\n{len(unequal)} submission(s) have cells the sandbox could not grade as nbgrader would "
                   f"({', '.join(unequal[:5])}): see their notes.", err=True)
        sys.exit(1)


@cli.command("export")
@click.argument("assignment_id")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV of the class: id,first_name,last_name,email.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for grades, report and feedback [default: .work/grades/ID].")
@click.pass_context
def export_cmd(ctx, assignment_id, roster, output):
    """Feedback and every export from the gradebook as it is now (after grading by hand); runs no notebook."""
    from course.paths import find_root, work_dir

    run = grade.export_all(assignment_id, roster=roster, root=ctx.obj["root"], progress=_progress)
    out = output or work_dir(find_root(ctx.obj["root"])) / "grades" / assignment_id
    _print_run(run, report.write_report(run, out))


@cli.command("autograde")
@click.argument("assignment_id")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The nbgrader course folder (where nbgrader autograde would run).")
@click.option("--student", "only", multiple=True, help="Autograde only this student (repeat for more).")
@click.option("--submissions", type=click.Path(path_type=Path), default=None,
              help="Also take these submissions: a folder or .zip, one sub-folder per student id, or Canvas's or Moodle's download.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Submissions executed at once, each in its own sandbox [default: as many as this machine's CPU and "
                   "memory limits hold with the assignment's run limits; the first line says which limit chose].")
@click.option("--force", is_flag=True, help="Grade again submissions that were already autograded (as nbgrader's --force).")
@click.option("--engine", type=click.Choice([e for e in ENGINES if e != "local"]), default="zygote", show_default=True,
              envvar="COURSE_ENGINE", show_envvar=True,
              help="How sandboxed runs start: pre-loaded zygotes (fast), or a fresh sandbox and kernel per run.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", envvar="COURSE_DASK_SCHEDULER", show_envvar=True,
              help="Run the submissions on this Dask scheduler's workers [default: a local cluster of --workers processes].")
@click.option("--gateway", default=None, metavar="URL", envvar="COURSE_DASK_GATEWAY", show_envvar=True,
              help="Run the submissions on a cluster of --workers workers that this Dask Gateway starts (not with --scheduler).")
@click.pass_context
def autograde_cmd(ctx, assignment_id, course_dir, only, submissions, workers, force, engine, scheduler, gateway):
    """nbgrader autograde for any nbgrader course, every submission sandboxed and graded in parallel.

    Exits 1 if a submission could not be graded or a cell could not be graded as nbgrader would.
    """
    from course.grading import dropin

    run = dropin.autograde(assignment_id, course=course_dir, students=list(only) or None, submissions=submissions,
                           workers=workers, force=force, engine=engine, progress=_progress, scheduler=scheduler,
                           gateway=gateway)
    click.echo(f"\n{'student':<20} {'status':<8} {'score':>12}  notes")
    for row in run.rows:
        score = f"{row.score:g} / {row.max_score:g}" if row.status == grade.GRADED else "-"
        click.echo(f"{row.student:<20} {row.status:<8} {score:>12}  {row.reason}")
    click.echo(f"\n{len(run.rows)} submissions of {assignment_id} in {run.seconds:.0f} s.")
    if not run.ok:
        click.echo("Some submissions were not graded, or some cells not as nbgrader would grade them: see the notes above.",
                   err=True)
        sys.exit(1)


@cli.command("feedback")
@click.argument("assignment_id")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The nbgrader course folder.")
@click.option("--student", "only", multiple=True, help="Only this student (repeat for more).")
def feedback_cmd(assignment_id, course_dir, only):
    """nbgrader generate_feedback for any nbgrader course, with every hidden test removed from what students see."""
    from course.grading import dropin

    failed = [(s, why) for s, why in dropin.feedback(assignment_id, course=course_dir, students=list(only) or None,
                                                     progress=_progress) if why]
    for student, why in failed:
        click.echo(f"{student}: feedback failed: {why}", err=True)
    if failed:
        sys.exit(1)


@cli.command("check")
@click.argument("notebook", type=click.Path(path_type=Path))
@click.pass_context
def check_cmd(ctx, notebook):
    """Grade your own notebook on this machine, hidden tests included: a score per question, no test code shown."""
    # `course check ...` itself starts in course.launch, without this module; this is `course --root R check ...`.
    from course.grading import selfcheck

    click.echo(selfcheck.self_check(notebook, root=ctx.obj["root"], progress=_progress).summary())


def _print_run(run, rep) -> None:
    click.echo("")
    by_student = report.marks(run)
    click.echo(report.table_text(run, by_student))
    pending, _ = report.hand_grading_lines(run, by_student)
    if not pending.startswith("No hand grading"):
        click.echo(pending)
    if run.notices:
        click.echo("\nNotices:")
        for n in run.notices:
            click.echo(f"  - {n}")
    click.echo(f"\nGrades (CSV):   {rep.csv}")
    if rep.canvas:
        click.echo(f"For the LMS:    {rep.canvas} (Canvas), {rep.moodle} (Moodle)")
    click.echo(f"Report (HTML):  {rep.html}")
    if rep.figure:
        click.echo(f"Figure:         {rep.figure}")
    click.echo(f"Feedback:       {rep.feedback}/<student>/")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; a CourseError becomes one line on stderr and exit status 1."""
    warnings.filterwarnings("ignore")
    try:
        cli.main(args=argv, prog_name="course", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except CourseError as exc:
        if _DEBUG:
            traceback.print_exc()
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours, not bad input: still one line unless --debug
        if _DEBUG:
            traceback.print_exc()
        click.echo(f"error: unexpected {type(exc).__name__}: {exc}. Run again with --debug for the traceback, and report it.", err=True)
        sys.exit(2)
