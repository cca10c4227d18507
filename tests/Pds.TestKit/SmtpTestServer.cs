using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Pds.TestKit;

/// <summary>A message as the SMTP test server received and parsed it.</summary>
public sealed record ReceivedMail(string? EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, string? From, string? To, string? Subject, string? Text, string? Html);

/// <summary>
/// A real SMTP server (the npm packages <c>smtp-server</c> and <c>mailparser</c>, from
/// <c>tests/smtp</c>) on 127.0.0.1 that reports every message it accepts and every login attempt.
/// With a user name and password it requires SMTP AUTH; with <c>offerStartTls</c> it offers STARTTLS
/// with a self-signed certificate that no trusting client accepts. It installs its packages on first use,
/// stops when this process ends (its stdin closes) and carries a hard time limit. If it cannot
/// start, tests using it fail; they are never skipped.
/// </summary>
public sealed class SmtpTestServer(string? username = null, string? password = null, bool offerStartTls = false) : IAsyncLifetime
{
    private readonly Lock _lock = new();
    private readonly List<ReceivedMail> _messages = [];
    private readonly List<(bool Ok, string Username)> _logins = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private Task? _reader;

    public int Port { get; private set; }

    /// <summary>A <c>smtp://</c> URL to this server, with the given credentials (none by default).</summary>
    public string Url(string? user = null, string? secret = null) => user is null
        ? $"smtp://127.0.0.1:{Port}"
        : $"smtp://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(secret ?? string.Empty)}@127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedMail> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Every AUTH attempt: whether it succeeded and the user name tried.</summary>
    public IReadOnlyList<(bool Ok, string Username)> Logins
    {
        get
        {
            lock (_lock)
            {
                return [.. _logins];
            }
        }
    }

    /// <summary>The first message received (now or within <paramref name="timeout"/>) that <paramref name="match"/> accepts.</summary>
    public Task<ReceivedMail> WaitForMailAsync(Func<ReceivedMail, bool> match, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        return WaitForAsync(
            () => _messages.FirstOrDefault(match),
            () => $"no matching message arrived; received: {string.Join(", ", Messages.Select(m => $"{m.To}: {m.Subject}"))}",
            timeout);
    }

    /// <summary>
    /// Waits until an AUTH attempt <paramref name="match"/> accepts has been seen (now or within
    /// <paramref name="timeout"/>). The server reports attempts as they happen, so one may be seen
    /// after the client it refused has already answered its own caller.
    /// </summary>
    public Task WaitForLoginAsync(Func<(bool Ok, string Username), bool> match, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        return WaitForAsync(
            () => _logins.Any(match) ? (object)true : null,
            () => $"no matching login was attempted; attempts: {string.Join(", ", Logins)}",
            timeout);
    }

    // Polls find (under the lock) each time the server reports an event, until it returns a value.
    private async Task<T> WaitForAsync<T>(Func<T?> find, Func<string> describe, TimeSpan? timeout)
        where T : class
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (find() is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(describe());
            }
        }
    }

    public async Task InitializeAsync()
    {
        var directory = NodeTestPackages.FindDirectory("smtp");
        await NodeTestPackages.EnsureInstalledAsync(directory, "smtp-server");
        await NodeTestPackages.EnsureInstalledAsync(directory, "mailparser");
        var info = new ProcessStartInfo("timeout")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--signal=KILL", "1800", "node", "smtp-server.mjs" })
        {
            info.ArgumentList.Add(argument);
        }

        if (offerStartTls)
        {
            info.ArgumentList.Add("--starttls");
        }

        if (username is not null)
        {
            info.ArgumentList.Add(username);
            info.ArgumentList.Add(password ?? string.Empty);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start the SMTP test server");
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the SMTP test server did not start: {line} {await _process.StandardError.ReadToEndAsync()}");
        }

        Port = int.Parse(line["listening ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        _reader = Task.Run(() => ReadEventsAsync(_process.StandardOutput));
    }

    private async Task ReadEventsAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            lock (_lock)
            {
                switch (root.GetProperty("event").GetString())
                {
                    case "mail":
                        var envelope = root.GetProperty("envelope");
                        _messages.Add(new ReceivedMail(
                            envelope.GetProperty("from").GetString(),
                            envelope.GetProperty("to").EnumerateArray().Select(t => t.GetString()!).ToList(),
                            root.GetProperty("from").GetString(),
                            root.GetProperty("to").GetString(),
                            root.GetProperty("subject").GetString(),
                            root.GetProperty("text").GetString(),
                            root.GetProperty("html").GetString()));
                        break;
                    case "auth":
                        _logins.Add((root.GetProperty("ok").GetBoolean(), root.GetProperty("username").GetString() ?? string.Empty));
                        break;
                }

                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _process?.Dispose();
    }
}
