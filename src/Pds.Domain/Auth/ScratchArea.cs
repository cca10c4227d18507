using System.Runtime.InteropServices;

namespace Pds.Domain.Auth;

/// <summary>
/// A block of memory taken from the operating system for scrypt's scratch space and given back to
/// it on <see cref="Dispose"/>, so that an idle process does not keep it resident.
/// </summary>
/// <remarks>
/// A managed array of this size lives on the large-object heap, and the collector keeps that memory
/// committed after the array dies. On Linux, glibc's <c>malloc</c> would keep a freed 16 MiB block in
/// its arena too (its threshold for separate mappings rises to the size of the last one freed), so the
/// area is mapped and unmapped directly there. Elsewhere <see cref="NativeMemory"/> serves blocks this
/// large from the system and returns them when freed.
/// </remarks>
internal sealed unsafe partial class ScratchArea : IDisposable
{
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    private void* _memory;

    private ScratchArea(void* memory, int length)
    {
        _memory = memory;
        Length = length;
    }

    /// <summary>Length in 32-bit words.</summary>
    public int Length { get; }

    private nuint Bytes => (nuint)Length * sizeof(uint);

    /// <summary>The area's words. Their contents are undefined until written.</summary>
    public Span<uint> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory is null, this);
            return new Span<uint>(_memory, Length);
        }
    }

    public static ScratchArea Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var bytes = (nuint)length * sizeof(uint);
        if (OperatingSystem.IsLinux())
        {
            var memory = Mmap(0, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            if (memory == -1)
            {
                throw new OutOfMemoryException($"Could not map {bytes} bytes of scratch space (errno {Marshal.GetLastPInvokeError()}).");
            }

            return new ScratchArea((void*)memory, length);
        }

        return new ScratchArea(NativeMemory.Alloc(bytes), length);
    }

    public void Dispose()
    {
        var memory = _memory;
        if (memory is null)
        {
            return;
        }

        _memory = null;
        if (OperatingSystem.IsLinux())
        {
            _ = Munmap((nint)memory, Bytes);
        }
        else
        {
            NativeMemory.Free(memory);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
