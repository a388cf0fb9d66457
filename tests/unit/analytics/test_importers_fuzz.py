"""Bad input of every shape reaches the user as ``ImportFailed`` naming the file,
never as a KeyError, a zlib.error or an expanded XML bomb.

Each importer gets structured-but-wrong input (JSON of the wrong shapes, XML of odd
structure, CSV with odd columns, encodings and cells) and random bytes, on a small
budget; then the cases a fuzz found once are pinned one by one."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.integrations.importers import FileFormat, ImportFailed, Mapping, read_file
from baton.integrations.importers.tiers import TierRule
from baton.integrations.importers.timeparse import TimeRules

BUDGET = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TIMES = [
    "2026-01-05T09:00:00Z",
    "2026-01-05T10:00:00+01:00",
    "2026-01-05 09:00:00",
    "2026-03-29T01:30:00",
    "05/01/2026 09:00",
    "2026-02-30T09:00:00Z",
    "9999-12-31T23:59:59.999999999-23:59",
    "0000-01-01",
    "not a time",
    "",
]


def only_import_failed(path: Path, mapping: Mapping, file_format: FileFormat) -> None:
    """Read ``path``; an ImportFailed naming the file is fine, anything else fails the test."""
    try:
        read_file(path, mapping, file_format=file_format)
    except ImportFailed as exc:
        assert path.name in str(exc), f"the message does not name the file: {exc}"


# -- Zendesk JSON -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
ids = st.integers(-3, 3) | st.sampled_from(["7", "", "x"])


def mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The expected kind of value, or any JSON value in its place."""
    return st.one_of(good, good, json_values)


events = st.fixed_dictionaries(
    {},
    optional={
        "type": mostly(st.sampled_from(["Create", "Change", "Comment", "Notification"])),
        "field_name": mostly(st.sampled_from(["status", "group_id", "assignee_id", "priority", "type", "tags"])),
        "value": mostly(ids | st.sampled_from(["open", "solved", "closed", "new"])),
        "public": mostly(st.booleans()),
        "author_id": mostly(ids),
    },
)
audits = st.fixed_dictionaries(
    {},
    optional={
        "id": mostly(ids),
        "ticket_id": mostly(ids),
        "created_at": mostly(st.sampled_from(TIMES)),
        "author_id": mostly(ids),
        "events": mostly(st.lists(mostly(events), max_size=4)),
    },
)
tickets = st.fixed_dictionaries(
    {},
    optional={
        "id": mostly(ids),
        "requester_id": mostly(ids),
        "audits": mostly(st.lists(mostly(audits), max_size=3)),
    },
)
people = st.fixed_dictionaries(
    {},
    optional={"id": mostly(ids), "name": mostly(st.text(max_size=5)), "role": mostly(st.sampled_from(["agent", "x"]))},
)
exports = st.one_of(
    st.fixed_dictionaries(
        {"tickets": mostly(st.lists(mostly(tickets), max_size=3))},
        optional={
            "users": mostly(st.lists(mostly(people), max_size=3)),
            "groups": mostly(st.lists(mostly(people), max_size=3)),
            "audits": mostly(st.lists(mostly(audits), max_size=3)),
        },
    ),
    st.lists(mostly(tickets), max_size=3),
    json_values,
)
zendesk_files = st.one_of(
    exports.map(lambda data: json.dumps(data).encode()),
    st.binary(max_size=200),
    st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth),
)


@BUDGET
@given(data=zendesk_files)
def test_any_zendesk_file_is_read_or_refused_with_import_failed(tmp_path, data):
    path = tmp_path / "export.json"
    path.write_bytes(data)
    only_import_failed(path, Mapping(), FileFormat.ZENDESK)


# -- XES --------------------------------------------------------------------------

TAGS = ["log", "trace", "event", "string", "date", "int", "float", "boolean", "list", "container", "global"]
KEYS = ["concept:name", "time:timestamp", "org:group", "org:resource", "lifecycle:transition", ""]
PROLOGS = [
    "",
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<?xml version="1.0" encoding="no-such-encoding"?>',
    '<?xml version="1.0" encoding="shift_jis"?>',
    '<?xml version="1.0" encoding="UTF-16"?>',
    "<!DOCTYPE log>",
    '<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    '<!DOCTYPE log [<!ENTITY e SYSTEM "file:///etc/hostname">]>',
]


def element(tag: str, attrs: dict[str, str], children: list[str], text: str) -> str:
    shown = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{tag}{shown}>{escape(text)}{''.join(children)}</{tag}>"


xml_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6)
"""Text XML can hold (``st.text()`` elsewhere also brings characters it cannot)."""
xml_elements = st.recursive(
    st.builds(
        element,
        st.sampled_from(TAGS),
        st.fixed_dictionaries(
            {},
            optional={"key": st.sampled_from(KEYS) | xml_text, "value": st.sampled_from(TIMES) | xml_text},
        ),
        st.just([]),
        st.sampled_from(["", "&amp;", "&e;", "&b;"]) | xml_text,
    ),
    lambda inner: st.builds(
        element,
        st.sampled_from(TAGS),
        st.dictionaries(st.sampled_from(["key", "value", "xes.version"]), xml_text, max_size=2),
        st.lists(inner, max_size=4),
        st.just(""),
    ),
    max_leaves=12,
)
VALUES = [*TIMES, "T1", "T2", "L1", "L2 team", "ann", "resolved", "closed"]
attributes = st.builds(
    lambda tag, key, value: f"<{tag} key={quoteattr(key)} value={quoteattr(value)}/>",
    st.sampled_from(["string", "date", "string", "date", "int", "boolean", "id", "list", "foo"]),
    st.sampled_from(KEYS[:4]) | st.sampled_from(KEYS) | xml_text,
    st.sampled_from(VALUES) | xml_text,
)
usual = st.builds(
    lambda activity, when, team, agent: (
        f'<string key="concept:name" value={quoteattr(activity)}/><date key="time:timestamp" value={quoteattr(when)}/>'
        + team
        + agent
    ),
    st.sampled_from(VALUES),
    st.sampled_from(TIMES),
    st.sampled_from(['<string key="org:group" value="L2 team"/>', ""]),
    st.sampled_from(['<string key="org:resource" value="ann"/>', ""]),
)
"""The attributes an XES event usually has, or some of them."""
xes_events = st.builds(
    lambda first, more: "<event>" + first + "".join(more) + "</event>",
    usual | usual | st.just(""),
    st.lists(attributes, max_size=4),
)
traces = st.builds(
    lambda name, own, events: "<trace>" + name + "".join(own) + "".join(events) + "</trace>",
    st.sampled_from(['<string key="concept:name" value="T1"/>', '<string key="concept:name" value="T2"/>', ""]),
    st.lists(attributes, max_size=2),
    st.lists(xes_events | xes_events | xml_elements, min_size=1, max_size=4),
)
xes_logs = st.lists(traces | traces | xes_events | xml_elements, min_size=1, max_size=4).map(
    lambda items: '<log xes.version="1.0">' + "".join(items) + "</log>"
)
"""Close to an XES log: traces of events with the usual keys, and odd elements among them."""
xes_documents = st.builds(
    lambda prolog, body: (prolog + body).encode(),
    st.sampled_from(["", "", "", '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>', *PROLOGS]),
    xes_logs | xes_logs | xml_elements,
)
xes_mappings = st.sampled_from(
    [Mapping(), Mapping(team=None, agent=None), Mapping(agent=None, tier_rule=TierRule.parse("2=2"))] * 2
    + [Mapping(team=None, agent=None, missing=("", "T1"))]
)


def cut(data: bytes, at: int) -> bytes:
    return data[: at % (len(data) + 1)]


def flip(data: bytes, at: int, byte: int) -> bytes:
    if not data:
        return data
    at %= len(data)
    return data[:at] + bytes([byte]) + data[at + 1 :]


xes_files = st.one_of(
    st.tuples(xes_documents, st.just("log.xes")),
    st.tuples(xes_documents, st.just("log.xes")),
    st.tuples(xes_documents.map(gzip.compress), st.just("log.xes.gz")),
    st.tuples(st.builds(cut, xes_documents.map(gzip.compress), st.integers(0, 400)), st.just("log.xes.gz")),
    st.tuples(
        st.builds(flip, xes_documents.map(gzip.compress), st.integers(0, 400), st.integers(0, 255)),
        st.just("log.xes.gz"),
    ),
    st.tuples(st.binary(max_size=200), st.sampled_from(["log.xes", "log.xes.gz"])),
)


@BUDGET
@given(file=xes_files, mapping=xes_mappings)
def test_any_xes_file_plain_or_gzipped_is_read_or_refused_with_import_failed(tmp_path, file, mapping):
    data, name = file
    path = tmp_path / name
    path.write_bytes(data)
    only_import_failed(path, mapping, FileFormat.XES)


# -- CSV event logs ---------------------------------------------------------------

COLUMNS = ["case:concept:name", "time:timestamp", "concept:name", "org:group", "org:resource", "tier", "row", ""]
cells = st.one_of(
    st.sampled_from([*TIMES, "T1", "T2", "resolved", "closed", "L2", "5", "?", "\x00", '"', "a,b", "line\nbreak"]),
    st.text(max_size=10),
)
REQUIRED = ["case:concept:name", "time:timestamp", "concept:name"]


def rows_for(header: list[str]) -> st.SearchStrategy[tuple[list[str], list[list[str]]]]:
    """Rows mostly as wide as the header, sometimes ragged."""
    full = st.lists(cells, min_size=len(header), max_size=len(header))
    width = full | full | full | st.lists(cells, max_size=len(header) + 2)
    return st.lists(width, max_size=5).map(lambda rows: (header, rows))


usual_headers = st.builds(
    lambda cols, extra: cols + extra,
    st.permutations(REQUIRED),
    st.lists(st.sampled_from([c for c in COLUMNS if c not in REQUIRED]), unique=True, max_size=4),
)
"""The columns an event log needs, in any order, and some others."""
headers = st.one_of(usual_headers, usual_headers, st.lists(st.sampled_from(COLUMNS) | st.text(max_size=6), max_size=7))
tables = headers.flatmap(rows_for)


def to_csv(table: tuple[list[str], list[list[str]]], encoding: str, quoted: bool) -> bytes:
    header, rows = table
    if quoted:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        text = out.getvalue()
    else:
        text = "\n".join(",".join(line) for line in [header, *rows])
    return text.encode(encoding, errors="replace")


def zipped(members: list[bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, member in enumerate(members):
            archive.writestr(f"log{n}.csv", member)
    return out.getvalue()


csv_texts = st.builds(
    to_csv,
    tables,
    st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "utf-16-le"]),
    st.booleans(),
)
csv_files = st.one_of(
    st.tuples(csv_texts, st.just("log.csv")),
    st.tuples(csv_texts, st.just("log.csv")),
    st.tuples(st.lists(csv_texts, max_size=2).map(zipped), st.just("log.csv.zip")),
    st.tuples(
        st.builds(cut, st.lists(csv_texts, min_size=1, max_size=1).map(zipped), st.integers(0, 300)), st.just("log.zip")
    ),
    st.tuples(st.binary(max_size=200), st.sampled_from(["log.csv", "log.zip"])),
)
mappings = st.builds(
    Mapping,
    team=st.sampled_from([None, "org:group"]),
    agent=st.sampled_from([None, "org:resource"]),
    tier=st.sampled_from([None, "tier"]),
    sla_met=st.sampled_from([None, "concept:name"]),
    times=st.builds(
        TimeRules,
        time_format=st.sampled_from([None, None, None, "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%H:%S"]),
        tz=st.sampled_from(["UTC", "UTC", "Europe/London", "America/New_York", "localtime"]),
        normalise_offsets=st.booleans(),
    ),
)


@BUDGET
@given(file=csv_files, mapping=mappings)
def test_any_csv_event_log_is_read_or_refused_with_import_failed(tmp_path, file, mapping):
    data, name = file
    path = tmp_path / name
    path.write_bytes(data)
    only_import_failed(path, mapping, FileFormat.CSV)


# -- Pinned regressions -------------------------------------------------------------


def refused(
    tmp_path: Path, name: str, data: bytes | str, file_format: FileFormat, mapping: Mapping | None = None
) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    with pytest.raises(ImportFailed) as failure:
        read_file(path, mapping or Mapping(), file_format=file_format)
    assert type(failure.value) is ImportFailed
    message = str(failure.value)
    assert name in message
    return message


@pytest.mark.parametrize(
    ("export", "message"),
    [
        ({"tickets": [{"id": 1}], "users": None}, "'users' is null; expected a list of users"),
        ({"tickets": [{"id": [1]}]}, r"ticket #1: 'id' is a list; expected an id"),
        ({"tickets": [{"id": 1, "audits": "x"}]}, r"ticket #1 \(id 1\): 'audits' is the text \"x\"; expected a list"),
        (
            {"tickets": [{"id": 1, "audits": ["x"]}]},
            r"ticket #1 \(id 1\), audit #1 is the text \"x\"; expected an object",
        ),
        (
            {"tickets": [{"id": 1, "audits": [{"created_at": 1700000000}]}]},
            r"audit #1: 'created_at' is the number 1700000000; expected an ISO 8601 time",
        ),
        (
            {
                "tickets": [
                    {"id": 1, "audits": [{"events": [{"type": "Change", "field_name": "group_id", "value": {}}]}]}
                ]
            },
            r"ticket #1 \(id 1\), audit #1, event #1: 'value' is an object; expected an id",
        ),
        (
            {"tickets": [{"id": 1, "audits": [{"events": [{"type": "Change", "value": 2}]}]}]},
            r"event #1 has no 'field_name'",
        ),
        ({"tickets": [{"id": 1}], "users": [{"name": "Ann"}]}, r"user #1 has no 'id'"),
        ({"tickets": [{"id": 1}], "groups": [{"id": True}]}, r"group #1: 'id' is true; expected an id"),
        ({"tickets": [{"id": 1}], "audits": [{"id": 3}]}, r"audit #1 of the top-level audits has no 'ticket_id'"),
        ({"tickets": [5]}, r"ticket #1 is the number 5; expected an object"),
        ({"tickets": None}, r"'tickets' is null; expected a list of tickets"),
        ({"users": []}, r"an object with a 'tickets' list"),
        ("tickets", r"the export is the text"),
    ],
)
def test_a_zendesk_export_of_the_wrong_shape_names_the_record_and_field(tmp_path, export, message):
    text = refused(tmp_path, "export.json", json.dumps(export), FileFormat.ZENDESK)
    assert re.search(message, text), text


def test_a_zendesk_text_holding_nul_is_refused_naming_ticket_audit_and_field(tmp_path):
    export = {
        "tickets": [
            {
                "id": 7,
                "audits": [
                    {
                        "id": 2,
                        "created_at": "2026-01-05T09:00:00Z",
                        "events": [{"type": "Create", "field_name": "status", "value": "op\x00en"}],
                    }
                ],
            }
        ]
    }
    assert "ticket '7', audit '2': status holds a NUL" in refused(
        tmp_path, "export.json", json.dumps(export), FileFormat.ZENDESK
    )


def test_deep_or_huge_json_is_refused_not_a_recursion_error(tmp_path):
    assert "nested too deeply" in refused(tmp_path, "export.json", "[" * 100_000, FileFormat.ZENDESK)
    assert "not JSON" in refused(
        tmp_path, "export.json", '{"tickets": [{"id": ' + "9" * 5000 + "}]}", FileFormat.ZENDESK
    )
    assert "not UTF-8" in refused(tmp_path, "export.json", b'{"tickets": ["\xff"]}', FileFormat.ZENDESK)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><event><string key="concept:name" value="&lol9;"/></event></trace></log>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<log><trace><event><string key="concept:name">&secret;</string></event></trace></log>
"""
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE log SYSTEM "http://example.invalid/log.dtd"><log/>'
XES = (
    '<log><trace><string key="concept:name" value="T1"/><event><string key="concept:name" value="Accepted"/>'
    '<string key="org:group" value="L1"/><string key="org:resource" value="ann"/>'
    '<date key="time:timestamp" value="2012-05-15T12:09:19+02:00"/></event></trace></log>'
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, "<!DOCTYPE log>" + XES])
def test_xml_bombs_external_entities_and_any_dtd_are_refused_by_the_parser_itself(tmp_path, document):
    assert "refused: the file declares a DTD" in refused(tmp_path, "log.xes", document, FileFormat.XES)


def test_a_bomb_is_refused_inside_a_gzip_too(tmp_path):
    assert "refused" in refused(tmp_path, "log.xes.gz", gzip.compress(BILLION_LAUGHS.encode()), FileFormat.XES)


def test_a_plain_xes_file_still_reads_through_the_hardened_parser(tmp_path):
    path = tmp_path / "log.xes"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>' + XES, encoding="utf-8")
    assert read_file(path, Mapping(), file_format=FileFormat.XES).log.frame.get_column("case").to_list() == ["T1"]


def test_a_truncated_or_corrupt_or_fake_gzip_is_refused(tmp_path):
    packed = gzip.compress(XES.encode())
    assert "truncated or corrupt gzip" in refused(tmp_path, "log.xes.gz", packed[: len(packed) // 2], FileFormat.XES)
    corrupt = packed[:12] + bytes(b ^ 0xFF for b in packed[12:40]) + packed[40:]
    assert "truncated or corrupt gzip" in refused(tmp_path, "log.xes.gz", corrupt, FileFormat.XES)
    assert "not a readable gzip file" in refused(tmp_path, "log.xes.gz", XES, FileFormat.XES)


def test_an_xml_encoding_the_reader_does_not_know_is_refused(tmp_path):
    unknown = '<?xml version="1.0" encoding="klingon-8"?>' + XES
    assert "unknown encoding" in refused(tmp_path, "log.xes", unknown, FileFormat.XES)
    multibyte = '<?xml version="1.0" encoding="shift_jis"?>' + XES
    assert "cannot decode" in refused(tmp_path, "log.xes", multibyte, FileFormat.XES)


def test_an_xes_attribute_named_row_is_refused_not_a_polars_error(tmp_path):
    document = XES.replace("</event>", '<string key="row" value="1"/></event>')
    assert "attribute is named 'row'" in refused(tmp_path, "log.xes", document, FileFormat.XES)


CSV_MAP = Mapping(case="case", time="when", activity="status", team="group", agent="who")
CSV_HEAD = "case,when,status,group,who\n"


def test_a_csv_that_is_not_utf8_names_the_line(tmp_path):
    data = (CSV_HEAD + "T1,2026-01-05T09:00:00Z,open,L1,ann\nT1,2026-01-05T10:00:00Z,open,L1,Jos\xe9\n").encode(
        "latin-1"
    )
    message = refused(tmp_path, "log.csv", data, FileFormat.CSV, CSV_MAP)
    assert "not UTF-8 text: line 3" in message and "save the file as UTF-8" in message


def test_a_utf16_csv_is_refused_with_or_without_its_byte_order_mark(tmp_path):
    text = CSV_HEAD + "T1,2026-01-05T09:00:00Z,open,L1,ann\n"
    assert "UTF-16 text" in refused(tmp_path, "log.csv", text.encode("utf-16"), FileFormat.CSV, CSV_MAP)
    assert "header, column 1" in refused(tmp_path, "log.csv", text.encode("utf-16-le"), FileFormat.CSV, CSV_MAP)


def test_a_nul_byte_in_a_mapped_cell_names_row_and_column(tmp_path):
    data = CSV_HEAD + "T1,2026-01-05T09:00:00Z,open,L1,ann\nT1,2026-01-05T10:00:00Z,open,L1,a\x00n\n"
    assert "row 2, column who: holds a NUL" in refused(tmp_path, "log.csv", data, FileFormat.CSV, CSV_MAP)


def test_odd_columns_are_named_a_repeated_header_and_a_column_called_row(tmp_path):
    twice = "case,when,status,group,who,who\nT1,2026-01-05T09:00:00Z,open,L1,ann,bo\n"
    assert "more than one column is named 'who'" in refused(tmp_path, "log.csv", twice, FileFormat.CSV, CSV_MAP)
    row = "row," + CSV_HEAD + "1,T1,2026-01-05T09:00:00Z,open,L1,ann\n"
    assert "'row' is a name the importer keeps" in refused(tmp_path, "log.csv", row, FileFormat.CSV, CSV_MAP)
    ragged = CSV_HEAD + "T1,2026-01-05T09:00:00Z,open,L1,ann,extra\n"
    assert "not a readable CSV file" in refused(tmp_path, "log.csv", ragged, FileFormat.CSV, CSV_MAP)


def test_a_column_named_dup_is_data_like_any_other(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("case,when,status,dup\nT1,2026-01-05T09:00:00Z,open,ann\n", encoding="utf-8")
    mapping = Mapping(case="case", time="when", activity="status", team=None, agent="dup")
    assert read_file(path, mapping).log.frame.get_column("agent").to_list() == ["ann"]


def test_a_huge_field_is_read_not_refused(tmp_path):
    path = tmp_path / "log.csv"
    huge = "x" * 2_000_000
    path.write_text(CSV_HEAD + f"T1,2026-01-05T09:00:00Z,open,L1,{huge}\n", encoding="utf-8")
    assert read_file(path, CSV_MAP).log.frame.get_column("agent").str.len_chars().to_list() == [len(huge)]


def test_a_corrupt_truncated_or_empty_zip_is_refused(tmp_path):
    packed = zipped([(CSV_HEAD + "T1,2026-01-05T09:00:00Z,open,L1,ann\n").encode() * 20])
    assert "not a readable zip file" in refused(tmp_path, "log.csv.zip", packed[:30], FileFormat.CSV, CSV_MAP)
    corrupt = packed[:45] + bytes(b ^ 0x55 for b in packed[45:60]) + packed[60:]
    assert "not a readable zip file" in refused(tmp_path, "log.csv.zip", corrupt, FileFormat.CSV, CSV_MAP)
    empty = b"PK\x05\x06" + bytes(18)
    assert "the zip must hold one CSV file" in refused(tmp_path, "log.csv.zip", empty, FileFormat.CSV, CSV_MAP)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (TimeRules("%H:%S"), r"--time-format '%H:%S' is not a layout that can be read"),
        (TimeRules("%Y-%m-%d %H:%M:%S.%f"), r"would misread the times"),
        (TimeRules(tz="localtime"), r"--tz 'localtime' is not a time zone"),
        (TimeRules(tz="America"), r"--tz 'America' is not a time zone"),
    ],
)
def test_time_options_polars_cannot_use_are_refused(tmp_path, times, message):
    data = CSV_HEAD + "T1,2026-01-05 09:00:00.123,open,L1,ann\n"
    mapping = Mapping(case="case", time="when", activity="status", team="group", agent="who", times=times)
    assert re.search(message, refused(tmp_path, "log.csv", data, FileFormat.CSV, mapping))


def test_times_python_cannot_hold_skip_their_row_instead_of_failing_later(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        CSV_HEAD
        + "T1,2026-01-05T10:00:00Z,open,L1,ann\n"
        + "T1,0000-01-01T00:00:00Z,open,L1,ann\n"  # polars reads year 0; Python's datetime cannot
        + "T2,2026-01-05T10:00:00Z,open,L1,ann\n"
        + "T2,9999-12-31T23:59:59Z,open,L1,ann\n",
        encoding="utf-8",
    )
    imported = read_file(path, CSV_MAP)
    (reason,) = imported.report.skipped
    assert (reason.rows, reason.examples[0][0], "1900-9998" in reason.reason) == (2, 2, True)
    assert imported.log.frame.get_column("case").to_list() == ["T1", "T2"]
