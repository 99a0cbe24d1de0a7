using System.Net;
using Akka.Configuration;
using Engine.Actors.Settings;

namespace Engine.Host.Admin;

/// <summary>
/// engine.admin: where the command host listens and what it trusts. Without a token it listens on
/// loopback only (whoever can log in to the machine can steer the engine, as with pbm); with a
/// token (ENGINE_ADMIN_TOKEN, never in a committed file) it listens on `hostname` (default every
/// interface) and every mutating command must carry the token.
/// </summary>
public sealed record AdminSettings(bool Enabled, IPAddress Address, int Port, string? Token, string AuditFile)
{
    public static AdminSettings FromConfig(Config config)
    {
        var admin = config.GetConfig("engine.admin");
        var token = admin.GetString("token", "") is { Length: > 0 } t ? t : null;
        var port = admin.GetInt("port", 9110);
        if (port is < 0 or > 65535)
            throw new EngineConfigException("engine.admin.port", $"{port} is not a TCP port (0 picks a free one)");
        var hostname = admin.GetString("hostname", "");
        IPAddress address;
        if (string.IsNullOrWhiteSpace(hostname)) address = token is null ? IPAddress.Loopback : IPAddress.Any;
        else if (!IPAddress.TryParse(hostname, out address!))
            throw new EngineConfigException("engine.admin.hostname", $"'{hostname}' is not an IP address to listen on");
        if (token is null && !IPAddress.IsLoopback(address))
            throw new EngineConfigException("engine.admin.hostname",
                $"{hostname} is beyond loopback: the admin port listens there only with a token; set ENGINE_ADMIN_TOKEN");
        var audit = admin.GetString("audit-file", "");
        if (string.IsNullOrWhiteSpace(audit))
            throw new EngineConfigException("engine.admin.audit-file", "is empty: every mutating command is audited to this file");
        return new AdminSettings(admin.GetBoolean("enabled", true), address, port, token, audit);
    }
}
