"""The benchmark runner reads wrk's output correctly (the figures in results/ depend on it)."""

from benchmarks.loadtest import parse_wrk

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8123/healthz
  4 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.52ms    2.10ms  41.30ms   85.12%
    Req/Sec     0.88k   120.45     1.20k    70.00%
  Latency Distribution
     50%    4.14ms
     75%    5.20ms
     90%    6.90ms
     99%   11.45ms
  35060 requests in 10.00s, 7.12MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   3506.10
Transfer/sec:    729.34KB
"""


def test_it_reads_throughput_percentiles_and_errors():
    result = parse_wrk(WRK_OUTPUT)

    assert result.requests == 35060
    assert result.rps == 3506.10
    assert (result.p50_ms, result.p99_ms, result.max_ms) == (4.14, 11.45, 41.3)
    assert result.non_2xx_3xx == 3


def test_it_converts_microseconds_and_seconds():
    output = WRK_OUTPUT.replace("4.14ms", "950.00us").replace("11.45ms", "1.20s")

    result = parse_wrk(output)

    assert (result.p50_ms, result.p99_ms) == (0.95, 1200.0)


def test_only_the_catalogue_runs_alone_into_its_own_file(monkeypatch):
    from benchmarks.run import RESULTS, config_load

    monkeypatch.delenv("BENCH_ONLY", raising=False)
    monkeypatch.delenv("BENCH_CATALOGUE", raising=False)

    config = config_load(["--only", "catalogue"])

    assert (config.only, config.catalogue, config.import_rows) == ("catalogue", 20_000, [])
    assert config.output == RESULTS / "catalogue.json"
    assert config_load([]).output == RESULTS / "latest.json"
    assert config_load(["--quick", "--only", "catalogue"]).catalogue == 2000


def test_catalogue_paths_carry_the_search_quoted():
    from benchmarks.queries import CATALOGUE_PAGES, page_path

    paths = {
        name: page_path(template, {"cat": "catalogue", "q": "视觉", "scenario": "quality"})
        for name, template, _who, _auth in CATALOGUE_PAGES
    }

    assert paths["api_products_search"] == (
        "/api/v1/cities/catalogue/products/?q=%E8%A7%86%E8%A7%89&scenario=quality"
    )
    assert paths["public_catalogue"].startswith("/public/catalogue/catalogue/?q=")


def test_only_the_projects_city_runs_alone_into_its_own_file(monkeypatch):
    from benchmarks.run import RESULTS, config_load

    for name in ("BENCH_ONLY", "BENCH_PROJECTS"):
        monkeypatch.delenv(name, raising=False)

    config = config_load(["--only", "projects"])

    assert (config.only, config.projects, config.import_rows) == ("projects", 50_000, [])
    assert config.output == RESULTS / "projects.json"
    assert config_load(["--quick", "--only", "projects"]).projects == 5000
    assert config_load(["--only", "projects", "--projects", "300"]).projects == 300


def test_the_projects_pages_are_the_monitoring_page_and_the_api_list():
    from benchmarks.queries import PROJECT_PAGES, page_path

    paths = [page_path(template, {"prj": "projects"}) for _n, template, _w, _a in PROJECT_PAGES]

    assert paths == ["/api/v1/cities/projects/projects/", "/c/projects/projects/monitoring/"]


def test_projects_endpoints_expect_every_project_of_the_city():
    from benchmarks.run import _rows_expected

    expected = {"projects": 50_000, "enterprises": 1}

    assert _rows_expected("api_projects", expected) == 50_000
    assert _rows_expected("project_monitoring", expected) == 50_000
