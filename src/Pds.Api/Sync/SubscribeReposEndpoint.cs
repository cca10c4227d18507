using System.Globalization;
using System.Net.WebSockets;
using Pds.Api.Xrpc;
using Pds.Application.Common.Errors;
using Pds.Infrastructure.Firehose;

namespace Pds.Api.Sync;

/// <summary>
/// com.atproto.sync.subscribeRepos over WebSocket: binary frames from the <see cref="FirehoseHub"/>.
/// A send that cannot complete within the timeout means the consumer stopped reading; the
/// connection is closed so it holds nothing on the server.
/// </summary>
internal static class SubscribeReposEndpoint
{
    public const string Nsid = "com.atproto.sync.subscribeRepos";
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    public static void MapSubscribeRepos(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<XrpcMethodTable>().Add(Nsid, HttpMethods.Get);
        endpoints.MapGet("/xrpc/" + Nsid, async (HttpContext context, FirehoseHub hub) =>
        {
            long? cursor = null;
            if (context.Request.Query.TryGetValue("cursor", out var values) && values.Count > 0)
            {
                cursor = long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    ? parsed
                    : throw XrpcException.InvalidRequest("cursor must be a non-negative integer");
            }

            if (!context.WebSockets.IsWebSocketRequest)
            {
                throw XrpcException.InvalidRequest("subscribeRepos is a WebSocket subscription");
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var reader = DrainIncomingAsync(socket, stop);
            try
            {
                await foreach (var frame in hub.SubscribeAsync(cursor, stop.Token).ConfigureAwait(false))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    timeout.CancelAfter(SendTimeout);
                    await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token).ConfigureAwait(false);
                    if (frame.Length > 0 && IsErrorFrame(frame))
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, null, CancellationToken.None).ConfigureAwait(false);
                        break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // The consumer went away or stopped reading.
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await reader.ConfigureAwait(false);
            }
        });
    }

    // Error frames start with the header {op: -1}: a one-entry map (0xa1), key "op" (0x62 'o' 'p'), -1 (0x20).
    private static bool IsErrorFrame(byte[] frame) =>
        frame.Length > 4 && frame[0] == 0xa1 && frame[1] == 0x62 && frame[2] == (byte)'o' && frame[3] == (byte)'p' && frame[4] == 0x20;

    /// <summary>Reads (and discards) what the client sends, so a close from its side is noticed.</summary>
    private static async Task DrainIncomingAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[1024];
        try
        {
            while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
