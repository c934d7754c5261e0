/*
 * A stand-in for Windows' bcryptprimitives.dll, for running the Windows build under Wine 8
 * (which lacks the DLL) in tests only: it is never packaged and never on a real Windows
 * machine, where the system's own DLL is used. Rust's standard library takes its random bytes
 * (hash map seeds) from ProcessPrng; this one fills them from RtlGenRandom (advapi32's
 * SystemFunction036), Wine's cryptographic generator.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
