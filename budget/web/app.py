"""`careladder serve`: the month end on a local web page, over the same functions as the command line.

FastAPI (on Starlette) with server-rendered Jinja2 pages: maintained, small, tested with its own client, and
nothing for an officer's browser to fetch from the internet (the page's few lines of JavaScript ship here)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from budget.monthend.report import variance_key
from budget.web import service, uploads
from budget.web.charts import trajectory, variance_bars
from budget.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    MAX_UPLOAD_BYTES,
    TOKEN_COOKIE,
    UploadLimit,
    new_token,
    same,
)
from budget.web.status import WorkspaceStatus, workspace_status
from ledgers.readers.money import words
from ledgers.readers.problems import ImportFailed, Problem, WorkspaceError

HERE = Path(__file__).parent


def money(pence: int | None) -> str:
    """£000 with brackets for negatives, as in the workbooks."""
    if pence is None:
        return ""
    k = round(pence / 100_000)
    return f"({abs(k):,})" if k < 0 else f"{k:,}"


def pounds(pence: int) -> str:
    """Whole pounds, negatives in brackets: (£1,001,162)."""
    text = f"£{abs(pence) / 100:,.0f}"
    return f"({text})" if pence < 0 else text


def percent(fraction: str) -> str:
    """'0.1' as '+10%'."""
    try:
        return f"{float(fraction) * 100:+.0f}%"
    except ValueError:
        return fraction


def create_app(workspace: Path, token: str | None = None, upload_limit: int = MAX_UPLOAD_BYTES) -> FastAPI:
    """The web app for one workspace. With ``token`` every request must carry it (query once, then a cookie)."""
    workspace = workspace.resolve()
    app = FastAPI(title="careladder", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = Jinja2Templates(directory=HERE / "templates")
    pages.env.filters["k"] = money
    pages.env.filters["words"] = words
    pages.env.filters["pounds"] = pounds
    pages.env.filters["percent"] = percent
    pages.env.globals["key_of"] = lambda v: variance_key(v.level, v.name, v.heading)
    problem_sets: dict[str, list[Problem]] = {}
    ids = itertools.count(1)

    async def check_csrf(request: Request) -> None:
        """Every form carries the token of its page's cookie (double submit): a form from elsewhere has none."""
        given = request.headers.get("x-csrf-token")
        if given is None:
            value = (await request.form()).get(CSRF_FIELD)  # Starlette keeps the parsed form for the route
            given = value if isinstance(value, str) else None
        if not same(given, request.cookies.get(CSRF_COOKIE)):
            raise HTTPException(
                403, "The form has expired or came from another site: reload the page and try again."
            )

    csrf_checked = [Depends(check_csrf)]

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if token is not None:
            given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)
            if not same(given, token):
                return PlainTextResponse(
                    "This careladder page needs the token printed when it was started: open the address it "
                    "printed (…?token=…).",
                    status_code=403,
                )
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or new_token()
        response: Response = await call_next(request)
        if request.cookies.get(CSRF_COOKIE) != request.state.csrf:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        if token is not None and request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(UploadLimit, limit=upload_limit)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return pages.TemplateResponse(
            request,
            name,
            {"csrf": request.state.csrf, "csrf_field": CSRF_FIELD, **context},
            status_code=status_code,
        )

    def status_or_error() -> tuple[WorkspaceStatus | None, str | None]:
        try:
            return workspace_status(workspace), None
        except WorkspaceError as exc:
            return None, str(exc)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        status, error = status_or_error()
        return render(request, "home.html", status=status, error=error, page="home")

    @app.get("/imports", response_class=HTMLResponse)
    def imports(request: Request) -> HTMLResponse:
        status, error = status_or_error()
        return render(
            request,
            "imports.html",
            kinds=list(uploads.IMPORTS.values()),
            status=status,
            error=error,
            page="imports",
        )

    @app.post("/imports/{kind}", response_class=HTMLResponse, dependencies=csrf_checked)
    async def do_import(request: Request, kind: str, files: list[UploadFile]) -> HTMLResponse:
        spec = uploads.IMPORTS.get(kind)
        if spec is None:
            return render(request, "result.html", 404, error=f"unknown input '{kind}'", page="imports")
        saved: list[Path] = []
        folder: Path | None = None
        for f in files:
            if not f.filename:
                continue
            target = (
                uploads.upload_path(workspace, kind, f.filename)
                if folder
                is None  # the first file makes the upload's folder; an SSDA903 return's others join it
                else folder / uploads.safe_name(f.filename)
            )
            folder = target.parent
            target.write_bytes(await f.read())
            saved.append(target)
        context: dict[str, Any] = {"spec": spec, "names": [p.name for p in saved], "page": "imports"}
        try:
            outcome = uploads.run_import(workspace, kind, saved)
        except ImportFailed as exc:
            pid = str(next(ids))
            problem_sets[pid] = exc.problems
            return render(request, "result.html", 422, problems=exc.problems, problems_id=pid, **context)
        except WorkspaceError as exc:
            return render(request, "result.html", 409, error=str(exc), **context)
        return render(request, "result.html", outcome=outcome, **context)

    @app.get("/problems/{pid}.csv")
    def problems_download(pid: str) -> Response:
        problems = problem_sets.get(pid)
        if problems is None:
            return PlainTextResponse("These problems are no longer kept: import the file again.", 404)
        return Response(
            uploads.problems_csv(problems),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="problems.csv"'},
        )

    @app.get("/templates/{name}")
    def template_download(name: str) -> Response:
        from ledgers.readers.templates import templates_dir

        folder = templates_dir()
        allowed = {p.name: p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx")}
        if name not in allowed:
            return PlainTextResponse("no such template", 404)
        return FileResponse(allowed[name], filename=name)

    def default_period(status: WorkspaceStatus | None) -> str:
        from ledgers.readers.periods import FinancialYear, month_label

        if status is None or status.last_period is None:
            return ""
        return month_label(FinancialYear.parse(status.year), status.last_period)

    def month_end_page(
        request: Request, period: str, result: service.MonthEnd | None, **extra: Any
    ) -> HTMLResponse:
        status, error = status_or_error()
        charts: list[str] = []
        if result is not None:
            report = result.report
            sign = report.variance_sign
            charts.append(
                variance_bars(
                    [(h.name, h.figures.variances("budget-minus-forecast")[2]) for h in report.headings],
                    "Variance by heading (right: underspend, left: overspend)",
                )
            )
            points, budget_p = service.trajectory_points(workspace, report.period_no)
            charts.append(trajectory(points, budget_p, "Forecast net outturn at each month end"))
            extra.setdefault("sign", sign)
        return render(
            request,
            "monthend.html",
            status=status,
            error=extra.pop("error", error),
            period=period or default_period(status),
            result=result,
            charts=charts,
            page="monthend",
            **extra,
        )

    @app.get("/monthend", response_class=HTMLResponse)
    def month_end(request: Request, period: str = "", saved: int | None = None) -> HTMLResponse:
        result = None
        error = None
        if period:
            try:
                result = service.stored_month_end(workspace, period)
            except (WorkspaceError, ValueError) as exc:
                error = str(exc)
        return month_end_page(request, period, result, error=error, saved=saved)

    @app.post("/monthend", response_class=HTMLResponse, dependencies=csrf_checked)
    async def run_month_end(request: Request) -> Response:
        form = await request.form()
        period = str(form.get("period", "")).strip()
        try:
            done = service.run_month_end(
                workspace,
                period,
                detail=form.get("detail") == "on",
                allow_missing_actuals=form.get("allow_missing_actuals") == "on",
            )
        except (WorkspaceError, ValueError) as exc:
            return month_end_page(request, period, None, error=str(exc))
        except ImportFailed as exc:
            return month_end_page(request, period, None, error="; ".join(str(p) for p in exc.problems))
        return RedirectResponse(f"/monthend?period={quote(done.report.period)}", status_code=303)

    @app.post("/commentary", response_class=HTMLResponse, dependencies=csrf_checked)
    async def commentary(request: Request) -> Response:
        form = await request.form()
        period = str(form.get("period", ""))
        author = str(form.get("author", "")).strip() or None
        texts = {str(k)[len("c:") :]: str(v) for k, v in form.items() if str(k).startswith("c:")}
        try:
            n = service.store_commentary(workspace, period, texts, author)
        except WorkspaceError as exc:
            return month_end_page(request, period, None, error=str(exc))
        try:
            service.rewrite_workbook(workspace, period)
        except WorkspaceError as exc:
            return month_end_page(request, period, None, error=str(exc))
        return RedirectResponse(f"/monthend?period={quote(period)}&saved={n}", status_code=303)

    @app.post("/backtest", dependencies=csrf_checked)
    def backtest(request: Request) -> Response:
        try:
            out = service.run_backtest(workspace)
        except (WorkspaceError, ValueError) as exc:
            return month_end_page(request, "", None, error=str(exc))
        return RedirectResponse(f"/download/{quote(out.name)}", status_code=303)

    @app.get("/download/{name}")
    def download(name: str) -> Response:
        folder = service.outputs_dir(workspace).resolve()
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            return PlainTextResponse("no such workbook", 404)
        return FileResponse(path, filename=path.name)

    @app.get("/mtfs", response_class=HTMLResponse)
    def mtfs(request: Request) -> HTMLResponse:
        status, error = status_or_error()
        scenarios: list[dict[str, Any]] = []
        if error is None:
            try:
                scenarios = service.scenario_settings(workspace)
            except WorkspaceError as exc:
                error = str(exc)
        return render(
            request, "mtfs.html", status=status, error=error, scenarios=scenarios, result=None, page="mtfs"
        )

    @app.post("/mtfs", response_class=HTMLResponse, dependencies=csrf_checked)
    async def run_mtfs(request: Request) -> HTMLResponse:
        form = await request.form()
        years = str(form.get("years", "3"))
        names = [str(v) for v in form.getlist("scenario")]
        status, error = status_or_error()
        result = None
        warnings: list[str] = []
        scenarios: list[dict[str, Any]] = []
        try:
            scenarios = service.scenario_settings(workspace)
            rows, out, warnings = service.run_mtfs(workspace, int(years) if years.isdigit() else 3, names)
            result = {"rows": rows, "workbook": out.name}
        except WorkspaceError as exc:
            error = str(exc)
        return render(
            request,
            "mtfs.html",
            status=status,
            error=error,
            scenarios=scenarios,
            result=result,
            warnings=warnings,
            page="mtfs",
        )

    @app.post("/mtfs/scenario", response_class=HTMLResponse, dependencies=csrf_checked)
    async def save_scenario(request: Request) -> Response:
        form = await request.form()
        try:
            service.save_scenario(
                workspace,
                str(form.get("name", "")),
                str(form.get("description", "")),
                str(form.get("demand_change", "")),
                str(form.get("price_change", "")),
                form.get("savings") == "on",
            )
        except WorkspaceError as exc:
            status, _ = status_or_error()
            return render(
                request,
                "mtfs.html",
                422,
                status=status,
                error=str(exc),
                scenarios=[],
                result=None,
                page="mtfs",
            )
        return RedirectResponse("/mtfs", status_code=303)

    return app
