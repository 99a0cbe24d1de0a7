using System.Runtime.InteropServices;
using System.CommandLine;
using Engine.Actors.Settings;
using Engine.Host;

var data = new Option<string?>("--data") { Description = "Replay market data from a LEAN-format folder or file, or a CSV file (format detected)." };
var synthetic = new Option<string?>("--synthetic") { Description = "Symbols for the seeded synthetic feed, comma-separated (default: engine.synthetic.symbols)." };
var configFile = new Option<string?>("--config") { Description = "A HOCON file layered over the defaults in hocon/." };
var speed = new Option<string>("--speed") { Description = "Replay speed: max, realtime or a multiplier such as 60.", DefaultValueFactory = _ => "max" };
var db = new Option<string?>("--db") { Description = "SQLite journal file (default: data/engine.db)." };
var summaryJson = new Option<string?>("--summary-json") { Description = "Write the summary and every fill, in order, as JSON to this file." };
var quiet = new Option<bool>("--quiet") { Description = "No progress lines while running." };
var report = new Option<string?>("--report") { Description = "Write backtest_results_<date>.json, report_<date>.txt and report_<date>.html to this folder." };
var gates = new Option<string?>("--gates") { Description = "Evaluate the promotion gates of this YAML file (e.g. config/promotion_gates.yaml); exit 3 when one fails." };
var continueAnyway = new Option<bool>("--continue-anyway") { Description = "Continue a journal recorded for other data or settings (the journal then holds both)." };
var resolution = new Option<string?>("--resolution") { Description = "LEAN data: the resolution each symbol is read at: auto (minute if present, else the finest), tick, second, minute, hour or daily." };
var priceAdjustment = new Option<string?>("--price-adjustment") { Description = "LEAN data: adjusted (factor files, the default) or raw prices." };
var extendedHours = new Option<bool>("--extended-hours") { Description = "LEAN data: include pre- and post-market bars and ticks (default: 09:30-16:00 New York only)." };
var from = new Option<string?>("--from") { Description = "LEAN data: first market date to read, yyyy-MM-dd (inclusive)." };
var to = new Option<string?>("--to") { Description = "LEAN data: last market date to read, yyyy-MM-dd (inclusive)." };

var root = new RootCommand("Actor-model trading engine: replays market data through strategies, risk and a paper venue, journaling every order and fill.")
{
    data, synthetic, configFile, speed, db, summaryJson, quiet, continueAnyway, report, gates,
    resolution, priceAdjustment, extendedHours, from, to,
};

root.SetAction(async (parse, cancellation) =>
{
    EngineOptions options;
    try
    {
        var dataPath = parse.GetValue(data);
        var symbols = parse.GetValue(synthetic);
        if (dataPath is not null && symbols is not null)
            throw new UsageException("--data and --synthetic cannot be used together");
        options = new EngineOptions(
            dataPath,
            symbols is null ? null : EngineOptions.ParseSymbols(symbols),
            parse.GetValue(configFile),
            EngineOptions.ParseSpeed(parse.GetValue(speed)!),
            parse.GetValue(db),
            parse.GetValue(summaryJson),
            parse.GetValue(quiet),
            parse.GetValue(continueAnyway),
            MarketDataOptions.Parse(parse.GetValue(resolution), parse.GetValue(priceAdjustment), parse.GetValue(extendedHours),
                parse.GetValue(from), parse.GetValue(to)))
        {
            ReportDirectory = parse.GetValue(report),
            GatesFile = parse.GetValue(gates),
        };
        if (options.ReportDirectory is { } reportDir && string.IsNullOrWhiteSpace(reportDir))
            throw new UsageException("--report: the folder path is empty");
        if (options.ReportDirectory is { } existing && File.Exists(existing))
            throw new UsageException($"--report: '{existing}' is a file, not a folder");
        if (options.GatesFile is { } gateFile && !File.Exists(gateFile))
            throw new UsageException($"--gates: '{gateFile}' does not exist");
        if (options.DatabaseFile is { } dbFile && string.IsNullOrWhiteSpace(dbFile))
            throw new UsageException("--db: the journal path is empty");
        if (options.SummaryJsonFile is { } json && Path.GetDirectoryName(Path.GetFullPath(json)) is { } dir && !Directory.Exists(dir))
            throw new UsageException($"--summary-json: directory '{dir}' does not exist");
    }
    catch (UsageException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 2;
    }
    // SIGINT and SIGTERM stop the feed; the run then journals what it read, prints the summary so far
    // and exits 130 or 143. A second signal exits at once: what is journaled is safe either way.
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    var stopCode = 0;
    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var code = context.Signal == PosixSignal.SIGTERM ? 143 : 130;
        if (Interlocked.CompareExchange(ref stopCode, code, 0) != 0) Environment.Exit(code);
        Console.Error.WriteLine($"stopping ({context.Signal}): finishing what was read; send it again to exit at once");
        stop.Cancel();
    }
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    return await EngineCommand.RunAsync(options, stop.Token, () => Volatile.Read(ref stopCode) is var c and not 0 ? c : 130);
});

// engine kill-switch status|release: the kill switch of a journal no engine is running on.
var ksDb = new Option<string?>("--db") { Description = "SQLite journal file (default: data/engine.db)." };
var ksConfig = new Option<string?>("--config") { Description = "A HOCON file layered over the defaults in hocon/." };
var scope = new Option<string>("--scope") { Description = "engine, account:ID, strategy:ID or symbol:SYMBOL.", Required = true };
var reason = new Option<string>("--reason") { Description = "Why it is released (audited).", Required = true };
var operatorName = new Option<string>("--operator") { Description = "Who releases it (audited; default: the user name).", DefaultValueFactory = _ => Environment.UserName };
var status = new Command("status", "Print the trading states recorded in the journal.") { ksDb, ksConfig };
status.SetAction((parse, _) => KillSwitchCommand.StatusAsync(parse.GetValue(ksDb), parse.GetValue(ksConfig)));
var release = new Command("release", "Release a halted or reducing scope; persisted and audited, the next run starts with it.") { ksDb, ksConfig, scope, reason, operatorName };
release.SetAction((parse, _) => KillSwitchCommand.ReleaseAsync(
    parse.GetValue(ksDb), parse.GetValue(ksConfig), parse.GetValue(scope)!, parse.GetValue(reason)!, parse.GetValue(operatorName)!));
root.Subcommands.Add(new Command("kill-switch", "The kill switch of a journal while no engine runs on it.") { status, release });

// engine node: a cluster member that hosts shards and singletons and runs no feed (cluster mode).
var nodeConfig = new Option<string?>("--config") { Description = "A HOCON file layered over the defaults in hocon/." };
var node = new Command("node", "Join the cluster (ENGINE_CLUSTER_SEED_NODES) and host symbols and singletons until SIGTERM or SIGINT, then leave.") { nodeConfig };
node.SetAction(async (parse, cancellation) =>
{
    using var leave = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        leave.Cancel();
    }
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    return await NodeCommand.RunAsync(parse.GetValue(nodeConfig), leave.Token);
});
root.Subcommands.Add(node);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}
// Signals are the command's own (above), not System.CommandLine's, which would end the process 2 s later.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
