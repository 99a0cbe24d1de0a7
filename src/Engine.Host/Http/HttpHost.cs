using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Engine.Actors.Risk;
using Engine.Actors.Settings;
using Engine.Actors.Symbols;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Engine.Host.Http;

/// <summary>
/// The engine's HTTP endpoints on engine.http.port (9101): /metrics (Prometheus text format),
/// /healthz (the process runs) and /readyz (ReadinessProbe). A Kestrel server of its own inside the
/// engine process, started after the actor system.
/// </summary>
public sealed class HttpHost(HttpSettings settings, Config config, EngineSettings engine, IServiceProvider services, TextWriter announce) : IHostedService
{
    private WebApplication? _app;
    private IActorRef? _errors;

    /// <summary>Where it listens once started (the port chosen when the setting is 0).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled) return;
        var system = services.GetRequiredService<ActorSystem>();
        var registry = services.GetRequiredService<ActorRegistry>();
        var killSwitch = registry.Get<KillSwitchActor>();
        var metrics = Metrics.NewCustomRegistry();
        _ = new EngineMetrics(metrics, system, engine, killSwitch, registry.Get<SymbolRegion>());
        var readiness = new ReadinessProbe(system, killSwitch, config);
        _errors = system.ActorOf(ErrorListener.Props(), "metrics-errors");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        // The engine's commands own SIGINT and SIGTERM; the web host's console lifetime would stop it on its own.
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        builder.WebHost.UseKestrel(k => k.Listen(settings.Address, settings.Port));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (HttpContext context) =>
        {
            var reasons = await readiness.CheckAsync(context.RequestAborted);
            context.Response.StatusCode = reasons.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(reasons.Count == 0 ? "ready\n" : string.Concat(reasons.Select(r => r + "\n")), context.RequestAborted);
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new EngineConfigException("engine.http.port",
                $"{settings.Address}:{settings.Port} cannot be opened ({ex.Message}): another engine on this machine? " +
                "Set ENGINE_HTTP_PORT (0 picks a free port) or engine.http.enabled = off");
        }
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        Endpoint = new IPEndPoint(settings.Address, port);
        var shown = IPAddress.Any.Equals(settings.Address) ? IPAddress.Loopback : settings.Address;
        announce.WriteLine($"metrics: http://{shown}:{port}/metrics");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
            _app = null;
        }
        if (_errors is { } errors) errors.Tell(PoisonPill.Instance);
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
