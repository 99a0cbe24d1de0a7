# syntax=docker/dockerfile:1
# The engine's container image: `engine node` (a cluster member) by default; engine-cli on PATH.
#   docker build -t engine .                          # build and publish
#   docker build --build-arg RUN_TESTS=true -t engine .   # also run the fast test projects
# Configuration is by environment (ENGINE_* variables, see README "Deploying"); hocon/ holds the defaults.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG RUN_TESTS=false
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Engine.sln ./
COPY src/ src/
COPY tests/ tests/
COPY bench/ bench/
COPY hocon/ hocon/
RUN dotnet restore src/Engine.Host/Engine.Host.csproj \
 && dotnet restore src/Engine.Cli/Engine.Cli.csproj
RUN if [ "$RUN_TESTS" = "true" ]; then \
      dotnet test tests/Engine.Domain.Tests -c Release \
   && dotnet test tests/Engine.MarketData.Tests -c Release; \
    fi
RUN dotnet publish src/Engine.Host/Engine.Host.csproj -c Release --no-restore -o /app \
 && dotnet publish src/Engine.Cli/Engine.Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the HEALTHCHECK (the aspnet image has none).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 engine \
 && useradd --system --uid 10001 --gid engine --home-dir /var/lib/engine --create-home engine
COPY --from=build /app /app
COPY hocon/ /app/hocon/
RUN ln -s /app/Engine.Host /usr/local/bin/engine \
 && ln -s /app/engine-cli /usr/local/bin/engine-cli
ENV ENGINE_HOCON_DIR=/app/hocon \
    ENGINE_HTTP_PORT=9101 \
    ENGINE_ADMIN_PORT=9110 \
    ENGINE_REMOTE_PORT=4053 \
    DOTNET_gcServer=0
WORKDIR /var/lib/engine
USER 10001:10001
# 4053 Akka remoting (cluster), 9101 /metrics /healthz /readyz, 9110 the engine-cli admin host.
EXPOSE 4053 9101 9110
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9101/healthz"]
# Exec form: the engine is PID 1's only process and receives SIGTERM itself (it leaves the cluster
# and exits 0). `node` runs a cluster member; pass other arguments for a run (e.g. `--synthetic AAPL`).
ENTRYPOINT ["engine"]
CMD ["node"]
