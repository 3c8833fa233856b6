"""The taint analysis behind PW1xx: flows, kills, sanitisers and summaries."""

from __future__ import annotations

import textwrap

import pytest

from pipwarden.scan import Scanner
from pipwarden.scan.rules import select_rules

SCANNER = Scanner(select_rules(("PW1",)))


def hits(source: str) -> list[tuple[str, int, int | None]]:
    code = textwrap.dedent(source)
    return [(f.id, f.line or 0, f.source_line) for f in SCANNER.scan_source(code)]


HEAD = "import os, sys, subprocess, shlex, ast\nfrom flask import request\n"


@pytest.mark.parametrize(
    "body",
    [
        "x = sys.argv[1]\ny = x\neval(y)",
        "x = 'a'\nx += sys.argv[1]\neval(x)",
        "x = sys.argv[1]\neval(f'1 + {x}')",
        "x = sys.argv[1]\neval('1 + ' + x)",
        "x = sys.argv[1]\neval('1 + %s' % x)",
        "x = sys.argv[1]\neval('1 + {}'.format(x))",
        "x = sys.argv[1]\neval('1 + {v}'.format(v=x))",
        "d = {'k': sys.argv[1]}\neval(d['k'])",
        "items = []\nitems.append(sys.argv[1])\neval(' '.join(items))",
        "parts = [p.strip() for p in sys.argv[1:]]\neval(parts[0])",
        "t = (sys.argv[1], 2)\na, b = t\neval(a)",
        "x = input().strip().lower()\neval(x)",
        "for line in sys.stdin:\n    eval(line)",
        "x = os.environ['CODE']\neval(x)",
        "x = os.getenv('CODE', '')\neval(x or '1')",
        "if (x := input()):\n    eval(x)",
    ],
)
def test_flows_reach_the_sink(body: str) -> None:
    found = hits(HEAD + body)
    assert [f[0] for f in found] == ["PW101"], body


@pytest.mark.parametrize(
    "body",
    [
        "x = sys.argv[1]\nx = '1 + 1'\neval(x)",  # killed by reassignment
        "x = int(sys.argv[1])\neval(f'{x} + 1')",
        "x = float(sys.argv[1])\neval(str(x))",
        "x = ast.literal_eval(sys.argv[1])\neval(repr(x))",
        "x = sys.argv[1]\nif x in ('1', '2'):\n    eval(x)",
        "x = sys.argv[1]\nif x not in ALLOWED:\n    raise SystemExit(2)\neval(x)",
        "x = sys.argv[1]\nif x != 'ok':\n    sys.exit(1)\neval(x)",
        "x = sys.argv[1]\nif not x.isdigit():\n    raise ValueError(x)\neval(x)",
        "n = len(sys.argv[1])\neval(str(n))",
        "x = sys.argv[1]\neval('1 + 1')",
    ],
)
def test_kills_and_sanitisers(body: str) -> None:
    assert hits(HEAD + body) == [], body


def test_shlex_quote_is_a_shell_sanitiser_only() -> None:
    code = HEAD + (
        "x = shlex.quote(sys.argv[1])\n"
        "os.system('echo ' + x)\n"  # line 4: safe for the shell
        "eval(x)\n"  # line 5: not safe for eval
    )
    assert hits(code) == [("PW101", 5, 3)]


def test_message_names_sink_and_source_lines() -> None:
    code = HEAD + "x = request.args['q']\n\n\nos.system('ls ' + x)\n"
    [finding] = SCANNER.scan_source(code)
    assert finding.source_line == 3 and finding.line == 6
    assert "line 3" in finding.summary and "line 6" in finding.summary
    assert "request.args" in finding.summary


def test_summary_returns_its_parameter() -> None:
    code = HEAD + textwrap.dedent(
        """
        def wrap(value):
            return "echo " + value

        def clean(value):
            return "echo fixed"

        def main():
            os.system(wrap(sys.argv[1]))
            os.system(clean(sys.argv[1]))
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW103", 11)]


def test_summary_passes_parameter_to_sink() -> None:
    code = HEAD + textwrap.dedent(
        """
        def run(cmd, shell_word):
            subprocess.run(cmd, shell=True)

        def main():
            run("ls " + sys.argv[1], "x")
            run("ls", sys.argv[2])
        """
    )
    [(code_id, line, source)] = hits(code)
    assert (code_id, line, source) == ("PW103", 5, 8)
    [finding] = SCANNER.scan_source(code)
    assert "run()" in finding.summary


def test_methods_of_the_same_class_and_instances() -> None:
    code = HEAD + textwrap.dedent(
        """
        class Repo:
            def query(self, sql):
                return self.conn.execute(sql)

            def find(self, name):
                return self.query("SELECT * FROM t WHERE n = '" + name + "'")

        def view():
            repo = Repo()
            return repo.find(request.args["name"])
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW104", 6)]


def test_route_parameters_are_sources_unless_typed() -> None:
    code = HEAD + textwrap.dedent(
        """
        @app.get("/a/{name}")
        def a(name: str, count: int, db=Depends(get_db)):
            os.system("echo " + name)
            os.system(f"echo {count}")

        @app.route("/b/<int:n>/<path:p>")
        def b(n, p):
            os.system(f"echo {n}")
            return open(p).read()
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW103", 6), ("PW105", 12)]


def test_local_sources_do_not_count_for_remote_only_rules() -> None:
    code = HEAD + "import requests\nrequests.get(sys.argv[1])\nopen(os.environ['LOG'])\n"
    assert hits(code) == []


def test_module_globals_flow_into_functions() -> None:
    code = HEAD + "CMD = sys.argv[1]\n\ndef go():\n    os.system(CMD)\n"
    assert [(f[0], f[1]) for f in hits(code)] == [("PW103", 6)]


def test_url_prefix_keeps_redirects_and_requests_on_a_fixed_host() -> None:
    code = HEAD + textwrap.dedent(
        """
        import requests
        from flask import redirect

        def view():
            item = request.args["item"]
            requests.get(f"https://api.example.com/items/{item}")
            requests.get("https://api.example.com/items?q=" + item)
            redirect("/search?q=%s" % item)
            requests.get(item)
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW108", 12)]


def test_instance_attributes_and_constructor_parameters() -> None:
    code = HEAD + textwrap.dedent(
        """
        class Job:
            def __init__(self, command):
                self.command = command
                self.label = "fixed"

            def load(self, req):
                self.extra = req.args["extra"]

            def run(self):
                os.system(self.command)
                os.system(self.label)
                os.system("echo " + self.extra)

        def view():
            job = Job(request.args["cmd"])
            job.load(request)
            job.run()
        """
    )
    assert sorted((f[0], f[1]) for f in hits(code)) == [("PW103", 13), ("PW103", 15)]


def test_lookup_by_untrusted_key_returns_trusted_values() -> None:
    code = HEAD + textwrap.dedent(
        """
        COMMANDS = {"disk": "df -h", "load": "uptime"}

        def view():
            cmd = COMMANDS.get(request.args["name"])
            if cmd:
                os.system(cmd)
            os.system(COMMANDS[request.args["name"]])
            os.system(request.args.get("raw"))
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW103", 11)]


def test_shell_lists_upload_save_and_field_checks() -> None:
    code = HEAD + textwrap.dedent(
        """
        import json

        def hook():
            event = json.loads(request.data)
            if event["type"] == "deploy":
                subprocess.run(["sh", "-c", event["script"]])
            subprocess.run(["ls", "-l", event["dir"]])
            upload = request.files["f"]
            upload.save(os.path.join("/srv/uploads", upload.filename))
            upload.save(os.path.join("/srv/uploads", "fixed.bin"))
        """
    )
    assert sorted((f[0], f[1]) for f in hits(code)) == [("PW103", 9), ("PW105", 12)]


def test_file_named_by_input_is_code_for_exec_but_not_data_for_sql() -> None:
    code = HEAD + textwrap.dedent(
        """
        def main(cur):
            exec(open(sys.argv[1]).read())
            with open(sys.argv[2]) as fh:
                cur.execute(fh.read())
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW101", 5)]


def test_http_client_objects_by_binding() -> None:
    code = HEAD + textwrap.dedent(
        """
        import requests

        def proxy():
            s = requests.Session()
            cache = {}
            url = request.args["url"]
            cache.get(url)
            return s.get(url).text
        """
    )
    assert [(f[0], f[1]) for f in hits(code)] == [("PW108", 11)]


def test_nested_sinks_of_one_flow_are_reported_once() -> None:
    code = HEAD + "src = sys.argv[1]\nexec(compile(src, 'x', 'exec'))\n"
    assert [(f[0], f[1]) for f in hits(code)] == [("PW101", 4)]
