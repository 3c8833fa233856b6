import csv
import os
import tempfile


def export_rows(rows):
    tmp = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)  # expect: PW201, PW204
    writer = csv.writer(tmp)
    writer.writerows(rows)
    tmp.close()
    return os.path.getsize(tmp.name)


def scratch_file():
    name = tempfile.mktemp(prefix="export-")  # expect: PW205
    with open(name, "w") as f:
        f.write("header\n")
    return name


def spool(rows):
    fd, path = tempfile.mkstemp()  # expect: PW202
    with os.fdopen(fd, "w") as f:
        for row in rows:
            f.write(",".join(row) + "\n")
    print("wrote", path)


def export_to(rows, out_dir="/tmp/exports"):  # expect: PW206
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "rows.csv"), "w") as f:
        csv.writer(f).writerows(rows)
