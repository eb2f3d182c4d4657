"""The grading engine: knows nbgrader and the sandbox, never a lesson.

The chain, read top to bottom as nbgrader's own preprocessor chain is:

    report      grade tables, CSV and LMS exports, the HTML report        (of a GradeRun)
    grade       a class, start to finish: sync, collect, run in workers,  (one writer of grades)
                write grades and feedback, resume records
    workspace   the only nbgrader adapter: configuration, gradebook queries, exchange paths,
                nbgrader's result dicts
    steps       what nbgrader runs: SandboxedExecute in place of its Execute step, the
                late-penalty plugin, and its preprocessor list (derived, never copied)
    autograde   the pure two-run core: the student's run, the test run, the graded notebook
    answers     the codec: answers cross between the two runs as plain JSON
    engine      how a run reaches its sandbox (pre-loaded zygotes, fresh sandboxes, or none)
    sandbox     bubblewrap
    inside/     what runs inside a sandbox (zygote, runner) and their one output contract

``selfcheck`` is ``course check``: the same core on one learner's notebook, without nbgrader.
``roster`` reads class lists. See docs/ARCHITECTURE.md.
"""
