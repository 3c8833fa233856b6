import json
import os
import pickle
import sys

import yaml

CACHE = os.path.expanduser("~/.cache/tool/state.pkl")


def load_yaml(path):
    f = open(path)  # expect: PW201
    data = yaml.safe_load(f)
    f.close()
    return data


def load_any(text, fmt):
    if fmt == "yaml":
        return yaml.load(text)  # expect: PW102
    if fmt == "json":
        return json.loads(text)
    raise ValueError(fmt)


def load_state():
    if not os.path.exists(CACHE):
        return {}
    with open(CACHE, "rb") as fh:
        return pickle.load(fh)


def main():
    raw = sys.stdin.read()
    config = load_any(raw, sys.argv[1] if len(sys.argv) > 1 else "json")
    overrides = eval(os.environ.get("TOOL_OVERRIDES", "{}"))  # expect: PW101
    config.update(overrides)
    print(json.dumps(config))


if __name__ == "__main__":
    main()
