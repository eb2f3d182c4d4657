"""course.engine and course.zygote: pre-loaded sandboxes whose runs are isolated from the zygote and from each other."""

import json

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course.grading import engine
from course.limits import Limits
from tests.conftest import needs_sandbox


pytestmark = [pytest.mark.slow, needs_sandbox]


@pytest.fixture(scope="module")
def zygote():
    z = engine.Zygote("student", ["numpy", "pandas", "matplotlib.pyplot"], Limits())
    yield z
    z.close()


def run(z, *sources, limits=Limits(cell_seconds=5, wall_seconds=30)):
    executed, report, outcome, files = z.run(new_notebook(cells=[new_code_cell(s) for s in sources]), limits)
    return [c.outputs for c in executed.cells], report, outcome, files


def text(outputs):
    return "".join(o.get("text", "") for o in outputs)


def test_outputs_results_and_errors_come_back_as_notebook_outputs(zygote):
    outs, report, outcome, _ = run(zygote, "print('hi')\n1 + 1", "1 / 0", "import pandas as pd\npd.DataFrame({'a': [1]})")
    assert report["status"] == "ok" and outcome.returncode == 0
    assert text(outs[0]) == "hi\n" and outs[0][1]["data"]["text/plain"] == "2"
    assert outs[1][0]["output_type"] == "error" and outs[1][0]["ename"] == "ZeroDivisionError"
    assert "text/html" in outs[2][0]["data"]  # the cell after an error still ran


def test_a_run_has_no_capabilities_its_own_pid_namespace_and_a_fresh_tmp(zygote):
    probe = ("import os\n"
             "status = dict(l.split(':', 1) for l in open('/proc/self/status') if ':' in l)\n"
             "print(os.getpid(), status['CapEff'].strip(), status['CapBnd'].strip(), sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
             "import tempfile\nopen(os.path.join(tempfile.gettempdir(), 'left-behind'), 'w').write('x')\n"
             "print(sorted(os.listdir('/submission')))")
    first, _, _, _ = run(zygote, probe)
    pid, cap_eff, cap_bnd, pids = text(first[0]).splitlines()[0].split(" ", 3)
    assert pid == "1" and int(cap_eff, 16) == 0 and int(cap_bnd, 16) == 0
    assert pids == "['1']"  # neither the zygote nor bubblewrap is visible
    assert len(json.loads(text(first[0]).splitlines()[1].replace("'", '"'))) == 1  # only this run's folder
    second, _, _, _ = run(zygote, "import os, tempfile\nprint(os.path.exists(os.path.join(tempfile.gettempdir(), 'left-behind')))")
    assert text(second[0]) == "False\n"


def test_a_process_left_running_by_one_run_is_gone_in_the_next(zygote):
    run(zygote, "import subprocess\nsubprocess.Popen(['sleep', '300'])")
    outs, _, _, _ = run(zygote, "import os\nprint([p for p in os.listdir('/proc') if p.isdigit()])")
    assert text(outs[0]) == "['1']\n"


def test_a_run_cannot_mount_or_reach_the_network(zygote):
    import socket

    with socket.socket() as server:  # a listener on this machine's loopback: reachable with network access
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable from here
        outs, _, _, _ = run(zygote, "import ctypes\nprint(ctypes.CDLL(None).mount(b'tmpfs', b'/submission', b'tmpfs', 0, None))",
                            f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                            "    print('net')\nexcept OSError as e:\n    print(type(e).__name__)")
    assert text(outs[0]) == "-1\n" and text(outs[1]) == "ConnectionRefusedError\n"


def test_endless_cells_are_stopped_and_the_notebook_goes_on(zygote):
    outs, report, _, _ = run(zygote, "while True:\n    try:\n        pass\n    except Exception:\n        pass", "print('after')",
                             limits=Limits(cell_seconds=2, wall_seconds=30))
    assert outs[0][-1]["ename"] == "TimeoutError" and "2 s per cell" in outs[0][-1]["evalue"]
    assert text(outs[1]) == "after\n" and report["status"] == "ok"


def test_the_wall_limit_kills_the_run_and_keeps_what_ran(zygote):
    outs, report, outcome, _ = run(zygote, "print('first')", "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                   "while True:\n    pass", limits=Limits(cell_seconds=2, wall_seconds=6))
    assert outcome.timed_out and text(outs[0]) == "first\n"
    assert report["status"] == "dead-kernel"
    again, report, _, _ = run(zygote, "print('next')")  # the zygote still serves
    assert text(again[0]) == "next\n" and report["status"] == "ok"


def test_os_exit_keeps_the_outputs_before_it(zygote):
    outs, report, _, _ = run(zygote, "print('kept')", "import os\nos._exit(0)", "print('never')")
    assert text(outs[0]) == "kept\n" and outs[2] == [] and report["status"] == "dead-kernel"


def test_answers_files_come_back_and_go_in(zygote):
    _, _, _, files = run(zygote, "import os, json\nos.makedirs('answers')\njson.dump({'x': 1}, open('answers/q1-tests.json', 'w'))")
    assert json.loads(files["q1-tests.json"]) == {"x": 1}
    outs, _, _, _ = zygote.run(new_notebook(cells=[new_code_cell("print(open('answers/q1-tests.json').read())")]),
                               Limits(), {"q1-tests.json": b'{"y": 2}'})[0].cells, None, None, None
    assert text(outs[0].outputs) == '{"y": 2}\n'


def test_a_zygote_that_dies_is_restarted(zygote):
    zygote.proc.kill()
    zygote.proc.wait()
    outs, report, _, _ = run(zygote, "print('back')")
    assert text(outs[0]) == "back\n"


def test_figures_and_rich_displays_reach_the_feedback_as_in_a_kernel(zygote):
    outs, _, _, _ = run(zygote, "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title('t');",
                        "from IPython.display import Markdown, display\ndisplay(Markdown('**hi**'))\nprint(get_ipython() is not None)")
    assert [o["output_type"] for o in outs[0]] == ["display_data"] and "image/png" in outs[0][0]["data"]
    assert outs[1][0]["data"]["text/markdown"] == "**hi**" and text(outs[1]) == "True\n"
