import csv
import io
import sqlite3
import sys
import zipfile


def import_zip(path, db_path):
    archive = zipfile.ZipFile(path)  # expect: PW201
    conn = sqlite3.connect(db_path)  # expect: PW201
    for name in archive.namelist():
        if not name.endswith(".csv"):
            continue
        table = name[:-4]
        with archive.open(name) as raw:
            rows = list(csv.reader(io.TextIOWrapper(raw, "utf-8")))
        header, body = rows[0], rows[1:]
        cols = ", ".join(header)
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", body)
    conn.commit()
    conn.close()
    archive.close()


def main():
    import_zip(sys.argv[1], sys.argv[2])
    table = sys.argv[3]
    with sqlite3.connect(sys.argv[2]) as conn:
        print(conn.execute("SELECT count(*) FROM " + table).fetchone())  # expect: PW104


if __name__ == "__main__":
    main()
