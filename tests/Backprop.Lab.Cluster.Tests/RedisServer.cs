using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Backprop.Lab.Cluster.Tests;

/// <summary>
/// A real redis-server process on a free loopback port, with its data in a folder of its own and append-only
/// persistence (as deploy/local-cluster.sh runs it), so a restart keeps the membership table and sweep state.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    private readonly string? _password;

    private RedisServer(string directory, int port, string? password)
    {
        Directory = directory;
        Port = port;
        _password = password;
    }

    /// <summary>The redis-server on the PATH, or null.</summary>
    public static string? Executable { get; } = FindOnPath("redis-server");

    public string Directory { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public bool Running => _process is { HasExited: false };

    /// <summary>Starts a server; with <paramref name="password"/> it requires AUTH (redis' requirepass).</summary>
    public static RedisServer Start(string directory, string? password = null)
    {
        var server = new RedisServer(directory, FreePort(), password);
        server.Restart();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and data folder, and waits until it answers PING.</summary>
    public void Restart()
    {
        if (Running)
        {
            throw new InvalidOperationException("redis-server is already running");
        }
        System.IO.Directory.CreateDirectory(Directory);
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("redis-server is not installed"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no", "--logfile", Path.Combine(Directory, "redis.log") })
        {
            start.ArgumentList.Add(arg);
        }
        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Ping())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server did not start on port {Port}: {SafeRead(Path.Combine(Directory, "redis.log"))}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>Stops it as an operator would (SIGTERM: redis flushes its append-only file and exits).</summary>
    public void Stop()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        Signals.Terminate(_process);
        if (!_process.WaitForExit(20_000))
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using NetworkStream stream = client.GetStream();
            stream.ReadTimeout = 1000;
            var buffer = new byte[64];
            if (_password is not null)
            {
                stream.Write(Encoding.ASCII.GetBytes($"AUTH {_password}\r\n"));
                _ = stream.Read(buffer);
            }
            stream.Write("PING\r\n"u8);
            int read = stream.Read(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_process is not null && !_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SafeRead(string file) => File.Exists(file) ? File.ReadAllText(file) : "(no log)";

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
