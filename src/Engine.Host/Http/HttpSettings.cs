using System.Net;
using Akka.Configuration;
using Engine.Actors.Settings;

namespace Engine.Host.Http;

/// <summary>
/// engine.http: where /metrics, /healthz and /readyz are served. They change nothing, so unlike the
/// admin port they listen on every interface by default (Prometheus and Kubernetes probes reach the
/// pod from outside it); `hostname` narrows that to one address.
/// </summary>
public sealed record HttpSettings(bool Enabled, IPAddress Address, int Port)
{
    public static HttpSettings FromConfig(Config config)
    {
        var http = config.GetConfig("engine.http");
        var port = http.GetInt("port", 9101);
        if (port is < 0 or > 65535)
            throw new EngineConfigException("engine.http.port", $"{port} is not a TCP port (0 picks a free one)");
        var hostname = http.GetString("hostname", "");
        IPAddress address;
        if (string.IsNullOrWhiteSpace(hostname)) address = IPAddress.Any;
        else if (!IPAddress.TryParse(hostname, out address!))
            throw new EngineConfigException("engine.http.hostname", $"'{hostname}' is not an IP address to listen on");
        return new HttpSettings(http.GetBoolean("enabled", true), address, port);
    }
}
