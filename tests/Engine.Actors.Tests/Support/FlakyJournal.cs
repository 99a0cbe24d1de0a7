using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Engine.Actors.Tests.Support;

/// <summary>
/// An in-memory journal whose writes fail for persistence ids starting with FailPrefix while
/// Failing is set: a database that goes away under one part of the engine.
/// </summary>
public sealed class FlakyJournal : MemoryJournal
{
    public static volatile bool Failing;

    public const string FailPrefix = "symbol-";

    protected override Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var list = messages.ToList();
        if (Failing && list.Any(w => w.PersistenceId.StartsWith(FailPrefix, StringComparison.Ordinal)))
            return Task.FromException<IImmutableList<Exception?>>(new IOException("disk I/O error (simulated)"));
        return base.WriteMessagesAsync(list, cancellationToken);
    }

    public static Akka.Configuration.Config Config() => Akka.Configuration.ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = local
        akka.persistence {
          journal.plugin = "akka.persistence.journal.flaky"
          journal.flaky {
            class = "Engine.Actors.Tests.Support.FlakyJournal, Engine.Actors.Tests"
            plugin-dispatcher = "akka.actor.default-dispatcher"
          }
          snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        }
        """).WithFallback(TestEngine.ShippedConfig());
}
