namespace Engine.Actors;

/// <summary>
/// The dispatcher of the engine's business logic: the feed, the symbols, their strategies and the
/// risk supervisors (engine.conf, engine.hot-path-dispatcher). By default one dedicated thread, as in
/// LMAX's business-logic processor: a message between these actors is a queue operation, not a
/// thread hand-off, while parsing the feed and writing the journal run on other threads.
/// </summary>
public static class EngineDispatcher
{
    public const string Id = "engine.hot-path-dispatcher";
}
