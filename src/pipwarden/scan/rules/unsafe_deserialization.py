"""PW102 deserialization-of-untrusted-input

## What it does
Finds untrusted input that reaches a deserializer able to build arbitrary objects:
`pickle`/`cPickle`/`dill`/`cloudpickle`/`joblib` loads, `marshal.loads`, `shelve.open`,
`jsonpickle.decode`, `pandas.read_pickle`, `numpy.load(allow_pickle=True)`,
`torch.load` without `weights_only=True`, and `yaml.load`/`yaml.load_all` without a safe loader
(or `yaml.unsafe_load`).

## Why
Unpickling runs code chosen by the author of the bytes (`__reduce__`); YAML's full loaders
can construct arbitrary Python objects. Data from a user is enough to take over the process.

## Example
```python
payload = request.get_data()
obj = pickle.loads(payload)
config = yaml.load(request.data, Loader=yaml.Loader)
```

## Use instead
```python
obj = json.loads(request.get_data())
config = yaml.safe_load(request.data)
```
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import ClassVar

from pipwarden.models import Severity
from pipwarden.scan import astutil
from pipwarden.scan.rule import FileContext, TaintRule

ALWAYS = {
    f"{module}.{func}"
    for module in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "joblib")
    for func in ("loads", "load", "Unpickler")
} | {"shelve.open", "jsonpickle.decode", "pandas.read_pickle", "yaml.unsafe_load",
     "yaml.unsafe_load_all", "pd.read_pickle"}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


class DeserializationOfUntrustedInput(TaintRule):
    code: ClassVar[str] = "PW102"
    name: ClassVar[str] = "deserialization-of-untrusted-input"
    severity: ClassVar[Severity] = Severity.CRITICAL
    summary: ClassVar[str] = "untrusted input reaches pickle, marshal, shelve, dill or unsafe yaml"
    family: ClassVar[str] = "deserialize"
    call_names: ClassVar[frozenset[str] | None] = frozenset(
        {"loads", "load", "Unpickler", "open", "decode", "read_pickle", "unsafe_load",
         "unsafe_load_all", "load_all"}
    )
    words: ClassVar[tuple[str, ...]] = ("load", "Unpickler", "shelve", "decode")

    def sinks(self, call: ast.Call, ctx: FileContext) -> Iterable[tuple[ast.expr, str]]:
        name = ctx.call_name(call) or ""
        first = astutil.arg(call, 0, "data") or astutil.arg(call, 0, "stream") or astutil.arg(
            call, 0, "file"
        )
        if first is None:
            return ()
        if name in ALWAYS:
            return [(first, f"{name}()")]
        if name in {"yaml.load", "yaml.load_all"}:
            loader = astutil.arg(call, 1, "Loader")
            if loader is not None and astutil.last_part(astutil.dotted(loader)) in SAFE_LOADERS:
                return ()
            return [(first, f"{name}() without a safe loader")]
        if name in {"numpy.load", "np.load"} and astutil.is_true(
            astutil.keyword(call, "allow_pickle")
        ):
            return [(first, f"{name}(allow_pickle=True)")]
        if name == "torch.load" and not astutil.is_true(astutil.keyword(call, "weights_only")):
            return [(first, "torch.load() without weights_only=True")]
        return ()
