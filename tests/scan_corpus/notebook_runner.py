import json
import sys


class Cell:
    def __init__(self, source):
        self.source = source

    def run(self, namespace):
        exec(compile(self.source, "<cell>", "exec"), namespace)  # expect: PW101


def run_notebook(path):
    with open(path) as f:
        nb = json.load(f)
    namespace = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            Cell("".join(cell["source"])).run(namespace)
    return namespace


def repl():
    namespace = {}
    while True:
        line = input(">>> ")
        if line in ("quit", "exit"):
            break
        exec(line, namespace)  # expect: PW101


if __name__ == "__main__":
    if len(sys.argv) > 1:
        run_notebook(sys.argv[1])
    else:
        repl()
