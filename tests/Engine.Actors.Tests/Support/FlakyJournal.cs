using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// An in-memory journal a test can break: writes of persistence ids with a given prefix fail, or
/// are held for a while, as a database that goes away or slows down under one part of the engine.
/// Each actor system gets its own switches (keyed by the system's name), so tests can run in parallel.
/// </summary>
public sealed class FlakyJournal : MemoryJournal
{
    public sealed class Switches
    {
        /// <summary>Writes and reads of persistence ids starting with this fail while it is set.</summary>
        public volatile string? FailPrefix;

        /// <summary>Writes of persistence ids starting with this are held for Delay.</summary>
        public volatile string? SlowPrefix;

        public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);
    }

    private static readonly ConcurrentDictionary<string, Switches> BySystem = new();

    private readonly Switches _switches;

    public FlakyJournal() => _switches = For(Context.System.Name);

    public static Switches For(string systemName) => BySystem.GetOrAdd(systemName, _ => new Switches());

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var list = messages.ToList();
        if (_switches.FailPrefix is { } fail && list.Any(w => w.PersistenceId.StartsWith(fail, StringComparison.Ordinal)))
            throw new IOException("disk I/O error (simulated)");
        if (_switches.SlowPrefix is { } slow && list.Any(w => w.PersistenceId.StartsWith(slow, StringComparison.Ordinal)))
            await Task.Delay(_switches.Delay, cancellationToken);
        return await base.WriteMessagesAsync(list, cancellationToken);
    }

    public override Task ReplayMessagesAsync(
        Akka.Actor.IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback) =>
        Failing(persistenceId) ? Task.FromException(new IOException("disk I/O error (simulated)"))
            : base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        Failing(persistenceId) ? Task.FromException<long>(new IOException("disk I/O error (simulated)"))
            : base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);

    private bool Failing(string persistenceId) =>
        _switches.FailPrefix is { } fail && persistenceId.StartsWith(fail, StringComparison.Ordinal);

    /// <summary>A local system on this journal, named uniquely; its switches are FlakyJournal.For(name).</summary>
    public static (Akka.Configuration.Config Config, string Name) Config()
    {
        var name = "flaky" + Guid.NewGuid().ToString("N")[..8];
        var config = Akka.Configuration.ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = local
            {{TestEngine.SerializeMessages}}
            akka.persistence {
              journal.plugin = "akka.persistence.journal.flaky"
              journal.flaky {
                class = "Engine.Actors.Tests.Support.FlakyJournal, Engine.Actors.Tests"
                plugin-dispatcher = "akka.actor.default-dispatcher"
              }
              snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
            }
            """).WithFallback(TestEngine.ShippedConfig());
        return (config, name);
    }
}
