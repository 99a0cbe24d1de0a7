namespace Engine.Host.Tests;

/// <summary>One PostgreSQL server (tests/Shared/PostgresServer.cs) for every test class that names this collection.</summary>
[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
