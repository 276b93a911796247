# One image for the API, the workers and the scheduler; its entry point is `advocacy`:
#   docker run IMAGE serve --host 0.0.0.0 | worker | scheduler | migrate | token create ...
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv && /opt/venv/bin/pip install "uv==0.13.9"
COPY requirements.lock ./
RUN /opt/venv/bin/uv pip sync --python /opt/venv/bin/python requirements.lock
# The wheel carries the migrations (setup.py copies them into the package), the operations of
# frontend-schema/ (advocacy/web/operations links there) and the committed front-end files of
# advocacy/web/static/vendor/ (make vendor): nothing is read from /src later, and no Node.
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY migrations ./migrations
COPY frontend-schema/operations ./frontend-schema/operations
COPY advocacy ./advocacy
RUN /opt/venv/bin/uv pip install --python /opt/venv/bin/python --no-deps .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ADVOCACY_ENVIRONMENT=production
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin advocacy
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
RUN mkdir -p /app/var && chown advocacy /app/var
USER advocacy
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["advocacy"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
