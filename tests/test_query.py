"""The query machinery: the library's headers, parameters (bound, resolved, checked), errors, the
output formats (parsed back), the command line and the Python API. Answers per named query are in
test_queries_library.py."""
from __future__ import annotations

import csv
import io
import json
import re

import pyoxigraph as ox
import pytest
from conftest import DATA, ONTOLOGY, ROOT
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg import query as Q
from kg.cli import main

pytestmark = pytest.mark.usefixtures("published")   # the CLI reads the published store, built once

PM = "https://w3id.org/pmkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
HOSTILE = 'x" } UNION { ?s ?p ?o } FILTER(true) } # \'}'


def store_of(data, base=None):
    """An rdflib store of the graph of ``data`` (no imports)."""
    from kg.assemble import Config, assemble
    from kg.memstore import MemoryStore

    return MemoryStore.from_assembly(assemble(Config.resolve(data, ONTOLOGY, base, imports=False)))


class Recording:
    """A store that records what it is asked, then asks the real one."""

    def __init__(self, store):
        self.store, self.calls, self.base = store, [], store.base

    def query(self, sparql, bindings=None):
        self.calls.append((sparql, dict(bindings or {})))
        return self.store.query(sparql, bindings)


def cli(capsys, *args):
    """Run the CLI in this process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the library ---------------------------------------------------------------------------------

def test_every_library_query_has_title_question_and_example():
    for q in Q.listing():
        assert q.title and q.question.endswith((".", "?", ")")) and q.example.startswith("pmkg query " + q.name), q.name
        for p in q.params:
            assert p.doc, f"{q.name}: parameter {p.name} is not described"
            assert p.default is not None or p.type != "integer", f"{q.name}: {p.name}"


def test_every_parameter_is_projected_so_oxigraph_can_substitute_it():
    for q in Q.library().values():
        select = re.search(r"^(SELECT|CONSTRUCT)\b.*?\bWHERE\b", q.text, re.S | re.M)
        assert select, q.name
        for p in q.params:
            if select.group(1) == "SELECT":
                assert f"?{p.name}" in select.group(0), f"{q.name}: ?{p.name} is not projected"


def test_library_prefixes_are_the_project_prefixes_and_no_instance_namespace_is_used():
    """Each file declares its own prefixes (so it runs in any SPARQL tool) as kg.namespaces binds them;
    none names an instance IRI, so the queries work under any --base."""
    from kg.config import DEFAULT_BASE
    from kg.iris import Minter
    from kg.namespaces import prefixes

    known = prefixes(DEFAULT_BASE)
    instance = set(Minter(DEFAULT_BASE).prefixes())
    for q in Q.listing() + [q for n, q in Q.library().items() if n.startswith("_network-")]:
        declared = dict(re.findall(r"^PREFIX (\w+): <([^>]+)>", q.text, re.M))
        assert declared, q.name
        for p, ns in declared.items():
            assert known.get(p) == ns, f"{q.name}: PREFIX {p}: <{ns}>"
            assert p not in instance, f"{q.name} uses the instance prefix {p}:"
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith(("#", "PREFIX")))
        used = set(re.findall(r"(?<![\w?$<\"#])([a-z][\w-]*):[\w-]", body))
        assert used <= set(declared), f"{q.name}: undeclared {used - set(declared)}"


def test_library_queries_run_unchanged_in_oxigraph(oxigraph):
    """The files as they are, no prolog added: what another SPARQL tool would be given."""
    import pyoxigraph as ox

    from kg.resolve import Resolver

    resolver = Resolver(oxigraph)
    for q in Q.listing():
        subs = {}
        for p in q.params:
            if p.default is not None:
                xsd = "http://www.w3.org/2001/XMLSchema#" + ("boolean" if p.type == "boolean" else "integer")
                subs[ox.Variable(p.name)] = (ox.NamedNode(resolver.resolve(p.default).iri) if p.type == "entity"
                                             else ox.Literal(p.default, datatype=ox.NamedNode(xsd)))
        res = oxigraph.store.query(q.path.read_text(encoding="utf-8"), substitutions=subs)
        assert len(list(res)) > 0, q.name


def test_a_custom_base_changes_the_iris_not_the_answers(tmp_path):
    base = "https://example.org/kg/"
    store = store_of(DATA, base)
    got = Q.run("consortium", {"project": "prime-rose"}, store).records()
    assert got[0]["member"] == base + "id/ous" and got[0]["role"] == "coordinator"
    assert Q.run("consortium", {"project": base + "id/prime-rose"}, store).records() == got


def test_a_malformed_header_names_file_and_line(tmp_path):
    (tmp_path / "broken.rq").write_text("# title: Broken\n# question: Why?\n# param: x (colour, default red): no\n"
                                        "# example: pmkg query broken\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(Q.HeaderError, match=r"broken\.rq, line 3: parameter x: type 'colour'"):
        Q.library(tmp_path)
    (tmp_path / "broken.rq").write_text("# title: Broken\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(Q.HeaderError, match=r"broken\.rq: the header comment lacks question, example"):
        Q.library(tmp_path)


# --- parameters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["memory", "oxigraph"])
def test_an_entity_is_a_name_an_acronym_an_id_an_iri_or_a_registry_id_in_any_case(request, which):
    from kg.resolve import Resolver

    index = Resolver(request.getfixturevalue(which))
    for v in ("PRIME-ROSE", "prime-rose", "Prime-Rose", PM + "prime-rose", f"<{PM}prime-rose>", "pm:prime-rose",
              "PRIME-ROSE: Precision Cancer Medicine Repurposing System Using Pragmatic Clinical Trials"):
        assert index.resolve(v).iri == PM + "prime-rose", v
    assert index.resolve("NCT04817956").iri == PM + "impress-norway"
    assert index.resolve("https://ror.org/00j9c2840").iri == PM + "ous"
    assert index.resolve("  oslo   UNIVERSITY hospital ").iri == PM + "ous"
    assert index.resolve("PRIME-ROSE").type == "project"


@pytest.mark.parametrize("which", ["memory", "oxigraph"])
def test_a_name_with_a_leading_article_or_a_legal_form_still_names_the_entity(request, which):
    """The one resolver shares the importers' name rules (kg.names): "The ..." and "... AB" are left out
    when the value itself names nothing."""
    from kg.resolve import Resolver

    index = Resolver(request.getfixturevalue(which))
    assert index.resolve("The Netherlands Cancer Institute").iri == PM + "nki"
    assert index.resolve("AstraZeneca AB").iri == PM + "astrazeneca"
    assert index.resolve("the Oslo University Hospital HF").iri == PM + "ous"
    with pytest.raises(ValueError, match="no entity has that name"):
        index.resolve("The Institute")


def test_regression_a_grant_titled_like_an_organisation_does_not_make_the_name_ambiguous(memory):
    """A Vinnova grant is titled "Genomic Medicine Sweden": the name still means the organisation."""
    from kg.resolve import Resolver

    index = Resolver(memory)
    assert index.resolve("Genomic Medicine Sweden").iri == PM + "gms"
    assert index.resolve("grant-gms-vinnova-2018").iri == PM + "grant-gms-vinnova-2018"


def test_resolving_is_one_index_look_up_not_a_scan_of_the_labels(memory):
    """Regression: the resolver read every label of the store first, so it grew with the graph. Now
    each value is one query on the names index, with the normalised value bound."""
    from kg.resolve import Resolver

    rec = Recording(memory)
    Resolver(rec).resolve("Prime-Rose")
    lookups = [(text, b) for text, b in rec.calls if "lookupKey" in text]
    assert lookups and all(set(b) == {"k"} and b["k"].value == "prime-rose" for _, b in lookups)
    assert not any("rdfs:label" in text or "label>" in text for text, _ in rec.calls if "VALUES ?e" not in text)


def test_an_unknown_entity_lists_close_matches(memory):
    with pytest.raises(Q.ParameterError) as e:
        Q.run("consortium", {"project": "Oslo Univ Hospital"}, memory)
    msg = str(e.value)
    assert "no entity has that name" in msg and "Close matches" in msg and f"<{PM}ous>" in msg


def test_an_ambiguous_entity_lists_the_candidates(data_copy):
    orgs = data_copy / "organisations.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8") + (
        "\n- id: ous-namesake\n  name: Oslo University Hospital\n  kind: hospital\n  country: \"NO\"\n"
        "  sources: [miracle-ous]\n"), encoding="utf-8")
    store = store_of(data_copy)
    with pytest.raises(Q.ParameterError) as e:
        Q.run("organisation-portfolio", {"organisation": "oslo university hospital"}, store)
    msg = str(e.value)
    assert "ambiguous" in msg and f"<{PM}ous>" in msg and f"<{PM}ous-namesake>" in msg
    assert Q.run("organisation-portfolio", {"organisation": "ous-namesake"}, store).rows == []


def test_parameter_names_types_and_ranges_are_checked(memory):
    with pytest.raises(Q.ParameterError, match=r"has no parameter 'projekt'.*project \(entity, default PRIME-ROSE\)"):
        Q.run("consortium", {"projekt": "ECHoS"}, memory)
    with pytest.raises(Q.ParameterError, match="has no parameter 'x'.*none"):
        Q.run("trials", {"x": "1"}, memory)
    with pytest.raises(Q.ParameterError, match="not a whole number"):
        Q.run("active-in", {"year": "2024; DROP ALL"}, memory)
    with pytest.raises(Q.ParameterError, match="between 1 and 3"):
        Q.run("neighbourhood", {"hops": "4"}, memory)


def test_a_hostile_value_cannot_change_the_query(memory, oxigraph):
    rec = Recording(memory)
    # an entity: refused before any query with it is run
    with pytest.raises(Q.ParameterError, match="no entity has that name"):
        Q.run("consortium", {"project": HOSTILE}, rec)
    assert rec.calls and not any(HOSTILE in text for text, _ in rec.calls)   # looked up as a bound value
    # a country: refused as no country at all, before any query is run; a real one is bound as its code,
    # and the text sent is the library file, unchanged
    rec.calls.clear()
    with pytest.raises(Q.ParameterError, match="unknown country"):
        Q.run("country-participation", {"country": HOSTILE}, rec)
    assert not rec.calls
    res = Q.run("country-participation", {"country": "Norway"}, rec)
    assert res.rows
    (text, bindings), = rec.calls
    assert text.endswith(Q.get("country-participation").text)
    assert bindings == {"country": ox.Literal("NO"),
                        "uncertain": ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean"))}
    # a query without declared parameters: a plain literal too, in rdflib and in Oxigraph
    sparql = "SELECT ?name ?org WHERE { ?org schema:name ?name }"
    for store in (memory, oxigraph):
        assert Q.run(sparql, {"name": HOSTILE}, store).rows == []
        assert Q.run(sparql, {"name": "Oslo University Hospital"}, store).records() == [
            {"name": "Oslo University Hospital", "org": PM + "ous"}]


# --- errors --------------------------------------------------------------------------------------

def test_a_syntax_error_gives_line_column_and_the_line(memory):
    text = "SELECT ?x WHERE {\n  ?x pmkg:acronym \"GMS\" .\n  FILTER(?x = ) }"
    with pytest.raises(Q.QuerySyntaxError) as e:
        Q.run(text, store=memory)
    err = e.value
    assert err.line == 3 and err.column == 3 and err.text == "  FILTER(?x = ) }"
    assert "line 3, column 3" in str(err) and "\n    " + err.text in str(err)


def test_an_undeclared_prefix_is_located(memory):
    with pytest.raises(Q.QuerySyntaxError) as e:
        Q.run("SELECT ?x WHERE {\n  ?x foo:bar ?y }", store=memory)
    assert (e.value.line, e.value.column) == (2, 6) and "foo:" in str(e.value)


def test_a_syntax_error_from_oxigraph_is_located_too(oxigraph):
    with pytest.raises(Q.QuerySyntaxError) as e:
        Q.run("SELECT ?x WHERE {\n  ?x ?y }", store=oxigraph)
    assert e.value.line == 2 and e.value.text == "  ?x ?y }"


def test_an_unknown_query_name_lists_close_matches():
    with pytest.raises(Q.UnknownQuery, match="did you mean consortium"):
        Q.get("consortum")
    with pytest.raises(Q.UnknownQuery, match="did you mean .*connection"):
        Q.get("connections")


# --- output formats ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def consortium(memory):
    return Q.answer("consortium", {"project": "ECHoS"}, memory)


def test_table_is_aligned_and_leaves_out_the_bound_parameter(consortium):
    text = consortium.text()
    lines = text.splitlines()
    assert lines[0].split() == ["member", "name", "role", "kind", "country", "unconfirmed", "coverage"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[-1] == f"({len(consortium.result.rows)} rows)"
    assert any(line.startswith("pm:aicib ") and " coordinator " in line for line in lines)
    assert "project" in Q.format_result(consortium.result, "table").splitlines()[0]


def test_csv_follows_the_w3c_format(consortium):
    text = consortium.text("csv")
    assert "\r\n" in text
    table = list(csv.reader(io.StringIO(text, newline="")))
    res = consortium.result
    assert table[0] == res.vars
    assert len(table) == len(res.rows) + 1
    for row, got in zip(res.rows, table[1:]):
        assert got == ["" if t is None else t.value for t in row]


def test_tsv_follows_the_w3c_format_and_reads_back(memory):
    res = Q.run('SELECT ?iri ?text ?lang ?n ?date ?none WHERE { '
                'BIND(<https://w3id.org/pmkg/id/ous> AS ?iri) BIND("tab\\there \\"quoted\\"\\nnewline" AS ?text) '
                'BIND("Oslo"@no AS ?lang) BIND(42 AS ?n) BIND("2023-07-01"^^xsd:date AS ?date) }', store=memory)
    text = Q.format_result(res, "tsv")
    lines = text.split("\n")
    assert lines[0] == "?iri\t?text\t?lang\t?n\t?date\t?none" and len(lines) == 3 and lines[2] == ""
    cells = next(csv.reader(io.StringIO(lines[1]), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(cells) == 6 and cells[0] == f"<{PM}ous>" and cells[3] == "42" and cells[5] == ""
    back = ox.parse_query_results(text.encode("utf-8"), ox.QueryResultsFormat.TSV)   # another parser reads it
    row = list(back)[0]
    assert row[0] == ox.NamedNode(PM + "ous") and row[1].value == 'tab\there "quoted"\nnewline'
    assert row[2] == ox.Literal("Oslo", language="no") and row[3].value == "42"
    assert row[4] == ox.Literal("2023-07-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


@pytest.mark.parametrize("fmt", ["json", "sparql-json"])
def test_json_follows_the_w3c_structure_and_reads_back(consortium, fmt):
    from rdflib.query import Result

    doc = json.loads(consortium.text(fmt))
    res = consortium.result
    assert doc["head"]["vars"] == res.vars
    bindings = doc["results"]["bindings"]
    assert len(bindings) == len(res.rows)
    for b, row in zip(bindings, res.rows):
        assert set(b) == {v for v, t in zip(res.vars, row) if t is not None}
        for v, t in zip(res.vars, row):
            if t is None:
                continue
            assert b[v]["type"] == ("uri" if isinstance(t, ox.NamedNode) else "literal")
            assert b[v]["value"] == t.value
            assert set(b[v]) <= {"type", "value", "datatype", "xml:lang"}
    back = Result.parse(io.StringIO(consortium.text(fmt)), format="json")   # rdflib reads it
    assert [tuple(None if t is None else str(t) for t in r) for r in back] == \
        [tuple(None if t is None else t.value for t in row) for row in res.rows]
    again = ox.parse_query_results(consortium.text(fmt).encode(), ox.QueryResultsFormat.JSON)   # and Oxigraph
    assert [tuple(sol[v] for v in res.vars) for sol in again] == res.rows


def test_ask_answers_yes_or_no_in_every_format(memory):
    yes = Q.run("ASK { ?x pmkg:nctId \"NCT04817956\" }", store=memory)
    no = Q.run("ASK { ?x pmkg:nctId \"NCT00000000\" }", store=memory)
    assert (yes.boolean, no.boolean) == (True, False)
    assert Q.format_result(yes) == "yes\n" and Q.format_result(no) == "no\n"
    assert json.loads(Q.format_result(yes, "sparql-json"))["boolean"] is True
    assert list(csv.reader(io.StringIO(Q.format_result(no, "csv")))) == [["_askResult"], ["false"]]


def test_a_construct_result_is_turtle_by_default_and_reads_back(memory):
    res = Q.run("neighbourhood", {"entity": "FOCU.SE"}, memory)
    assert Q.default_format(res) == "turtle"
    text = Q.format_result(res)
    assert "@prefix pm: <https://w3id.org/pmkg/id/>" in text
    graph = Graph().parse(data="".join(f"{t} .\n" for t in res.triples), format="nt")
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)
    assert isomorphic(Graph().parse(data=Q.format_result(res, "json"), format="json-ld"), graph)
    table = Q.format_result(res, "table").splitlines()
    assert table[0].split() == ["subject", "predicate", "object"] and table[-1] == f"({len(res.triples)} triples)"
    with pytest.raises(Q.QueryError, match="is a graph"):
        Q.format_result(res, "csv")
    with pytest.raises(Q.QueryError, match="not a graph"):
        Q.format_result(Q.run("coordinators", store=memory), "turtle")


def test_records_are_plain_python_values_for_a_dataframe(memory):
    recs = Q.run("external-ids", store=memory).records()
    ous = next(r for r in recs if r["entity"] == PM + "ous")
    assert ous["ror"] == "https://ror.org/00j9c2840" and ous["nct"] is None and isinstance(ous["name"], str)
    assert len({tuple(r) for r in recs}) == 1   # every record has the same keys, as a DataFrame's columns


# --- the command line ----------------------------------------------------------------------------

def test_pmkg_queries_lists_one_line_each(capsys):
    code, out, _ = cli(capsys, "queries")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(Q.listing()) == 15
    assert re.match(r"consortium +Who takes part in a project.*\[project \(entity, default PRIME-ROSE\); "
                    r"uncertain \(boolean, default false\)\]$",
                    next(line for line in lines if line.startswith("consortium ")))
    code, out, _ = cli(capsys, "queries", "neighbourhood")
    assert code == 0 and "hops (integer 1-3, default 1)" in out and "Example:" in out


def test_boolean_parameters_accept_true_false_yes_no_1_0_in_any_case(memory):
    q = Q.get("consortium")
    for word, value in (("true", True), ("YES", True), ("1", True), ("False", False), ("no", False), (" 0 ", False)):
        got = Q.bind_params(q, {"project": "PRIME-ROSE", "uncertain": word}, memory)
        assert got["uncertain"] == ox.Literal(str(value).lower(), datatype=ox.NamedNode(XSD + "boolean"))
    assert Q.bind_params(q, {}, memory)["uncertain"].value == "false"   # the default


def test_pmkg_query_runs_a_named_query_with_parameters(capsys):
    code, out, err = cli(capsys, "query", "consortium", "--param", "project=prime-rose", "--format", "csv")
    assert code == 0 and err == ""
    table = list(csv.reader(io.StringIO(out, newline="")))
    assert table[1][:4] == [PM + "prime-rose", PM + "ous", "Oslo University Hospital", "coordinator"]


def test_pmkg_query_runs_a_users_file_and_sparql_text(capsys, tmp_path, monkeypatch):
    f = tmp_path / "sponsors.rq"
    f.write_text("# title: Sponsors\n# question: Who sponsors a trial?\n"
                 "# param: trial (entity, default IMPRESS-Norway): the trial\n"
                 "SELECT ?trial ?sponsor WHERE { ?trial schema:sponsor ?sponsor }\n")
    code, out, _ = cli(capsys, "query", str(f), "-f", "tsv")
    assert code == 0 and out.splitlines()[1] == f"<{PM}impress-norway>\t<{PM}ous>"
    code, out, _ = cli(capsys, "query", str(f), "-p", "trial=MEGALiT", "-f", "tsv")
    assert out.splitlines()[1] == f"<{PM}megalit>\t<{PM}akademiska>"
    code, out, _ = cli(capsys, "query", "--sparql", "SELECT ?n WHERE { pm:ous schema:name ?n }")
    assert code == 0 and "Oslo University Hospital" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("ASK { pm:ous a schema:Organization }"))
    assert cli(capsys, "query", "--sparql", "-")[1] == "yes\n"


def test_pmkg_query_writes_a_file_atomically(capsys, tmp_path):
    out_file = tmp_path / "out" / "focuse.ttl"
    out_file.parent.mkdir()   # -o never creates folders (tests/test_cli_values.py)
    code, out, err = cli(capsys, "query", "neighbourhood", "-p", "entity=FOCU.SE", "-o", str(out_file))
    assert code == 0 and out == "" and f"pmkg: wrote {out_file}" in err
    g = Graph().parse(out_file, format="turtle")
    assert (URIRef(PM + "focuse"), URIRef("https://w3id.org/pmkg/def#inspiredBy"), URIRef(PM + "drup")) in g
    assert [p.name for p in out_file.parent.iterdir()] == ["focuse.ttl"]


def test_pmkg_query_errors_exit_2_with_a_clear_message(capsys, tmp_path):
    code, out, err = cli(capsys, "query", "--sparql", "SELECT ?x WHERE {\n  ?x ?y }")
    assert code == 2 and out == "" and "line 2" in err and "?x ?y }" in err
    code, _, err = cli(capsys, "query", "consortum")
    assert code == 2 and "did you mean consortium" in err
    code, _, err = cli(capsys, "query", "consortium", "-p", "project=Oslo")
    assert code == 2 and "Close matches" in err and "Oslo University Hospital" in err
    code, _, err = cli(capsys, "query", "consortium", "-p", "project")
    assert code == 2 and "expected NAME=VALUE" in err
    code, out, err = cli(capsys, "query", "consortium", "-p", "uncertain=perhaps")
    assert code == 2 and out == "" and "--param uncertain='perhaps': not true or false" in err
    code, _, err = cli(capsys, "query", "coordinators", "--sparql", "ASK {}")
    assert code == 2 and "one of them" in err
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE { ?s ?p }\n")
    code, _, err = cli(capsys, "query", str(bad))
    assert code == 2 and str(bad) in err and "line 1" in err
    out_file = tmp_path / "never.csv"
    assert cli(capsys, "query", "coordinators", "-f", "turtle", "-o", str(out_file))[0] == 2
    assert not out_file.exists()


def test_pmkg_query_says_when_there_is_nothing(capsys):
    # Japan is a country, with no organisation in the graph: no results, exit 0 (an unknown country
    # is exit 2: tests/test_cli_values.py)
    code, out, err = cli(capsys, "query", "country-participation", "-p", "country=Japan")
    assert code == 0 and out == "No results.\n"
    code, out, err = cli(capsys, "query", "country-participation", "-p", "country=JP", "-f", "csv")
    assert code == 0 and out.splitlines() == ["country,organisations,participations,projectsAndTrials,uncertain"]
    assert "no results" in err


def test_pmkg_query_uses_the_chosen_store(capsys):
    code, out, _ = cli(capsys, "query", "drup-family", "--store", "oxigraph", "-f", "csv")
    assert code == 0 and f"{PM}impress-norway" in out and "NCT04817956" in out


# --- the README -----------------------------------------------------------------------------------

def readme_examples() -> list[tuple[str, str]]:
    """The (command, output) pairs of the README's "Querying" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Querying", 1)[1].split("\n## ", 1)[0]
    examples = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        first, _, output = block.partition("\n")
        assert first.startswith("$ pmkg query "), first
        examples.append((first[2:], output))
    return examples


def test_the_readme_examples_show_the_real_output(capsys):
    import shlex

    examples = readme_examples()
    assert len(examples) >= 3
    for command, output in examples:
        code, out, _ = cli(capsys, *shlex.split(command)[1:])
        assert code == 0, command
        assert out == output, f"README.md, Querying: the output of `{command}` is stale; paste the real one"
