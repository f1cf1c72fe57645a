/*
 * system.c - runtime facts: the machine, its memory, this process, and Wine.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_system.h"

#include <string.h>

#include "wm_os.h"

/* RtlGetVersion lives in ntdll and has no import library in the user-mode SDK, so it is
 * looked up by name. Its status is an NTSTATUS: 0 is success. */
typedef LONG(WINAPI *wm_rtl_get_version_fn)(PRTL_OSVERSIONINFOW);

/* Wine's ntdll exports wine_get_version; Windows' does not. (Some Wine builds hide it;
 * then this reports Windows, which is the safe side: claims are asserted as documented.) */
typedef const char *(__cdecl *wm_wine_get_version_fn)(void);

/* Converts GetProcAddress's FARPROC to a data-less generic function pointer first, which
 * C allows between function pointer types and keeps GCC's -Wcast-function-type quiet. */
typedef void (*wm_any_fn)(void);

static void copy_system_info(const SYSTEM_INFO *info, wm_system_t *system)
{
    system->architecture = info->wProcessorArchitecture;
    system->page_size = info->dwPageSize;
    system->allocation_granularity = info->dwAllocationGranularity;
    system->lowest_address = (uintptr_t)info->lpMinimumApplicationAddress;
    system->highest_address = (uintptr_t)info->lpMaximumApplicationAddress;
    system->processors = info->dwNumberOfProcessors;
}

DWORD wm_system_query(wm_system_t *system)
{
    SYSTEM_INFO info;

    if (system == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&info, 0, sizeof info);
    wm__os.GetSystemInfo(&info); /* cannot fail: it returns nothing */
    copy_system_info(&info, system);
    return ERROR_SUCCESS;
}

DWORD wm_system_query_native(wm_system_t *system)
{
    SYSTEM_INFO info;

    if (system == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&info, 0, sizeof info);
    wm__os.GetNativeSystemInfo(&info);
    copy_system_info(&info, system);
    return ERROR_SUCCESS;
}

DWORD wm_memory_status(wm_memory_status_t *status)
{
    MEMORYSTATUSEX raw;
    BOOL ok = FALSE;

    if (status == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&raw, 0, sizeof raw);
    /* API rule: dwLength must be set before the call, or it fails with error 87. */
    raw.dwLength = sizeof raw;
    ok = wm__os.GlobalMemoryStatusEx(&raw);
    if (!ok) {
        return GetLastError();
    }
    status->load_percent = raw.dwMemoryLoad;
    status->physical_total = raw.ullTotalPhys;
    status->physical_available = raw.ullAvailPhys;
    /* API oddity: the "page file" fields are about commit, not page files: the commit
     * limit (of the system or this process, whichever is smaller) and what this process
     * could still commit. Both count RAM as well as page files. For the system-wide
     * limit, Microsoft Learn's MEMORYSTATUSEX page points to GetPerformanceInfo. */
    status->commit_limit = raw.ullTotalPageFile;
    status->commit_available = raw.ullAvailPageFile;
    status->virtual_total = raw.ullTotalVirtual;
    status->virtual_available = raw.ullAvailVirtual;
    return ERROR_SUCCESS;
}

DWORD wm_performance_query(wm_performance_t *performance)
{
    PERFORMANCE_INFORMATION raw;
    BOOL ok = FALSE;
    ULONGLONG page = 0;

    if (performance == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&raw, 0, sizeof raw);
    /* API rule: cb must be the structure's exact size, or the call fails (error 24). */
    raw.cb = sizeof raw;
    ok = wm__os.GetPerformanceInfo(&raw, sizeof raw);
    if (!ok) {
        return GetLastError();
    }
    /* Counts are in pages; a SIZE_T count times a 4096-byte page fits in 64 bits. */
    page = raw.PageSize;
    performance->page_size = raw.PageSize;
    performance->commit_total = raw.CommitTotal * page;
    performance->commit_limit = raw.CommitLimit * page;
    performance->commit_peak = raw.CommitPeak * page;
    performance->physical_total = raw.PhysicalTotal * page;
    performance->physical_available = raw.PhysicalAvailable * page;
    performance->system_cache = raw.SystemCache * page;
    performance->kernel_total = raw.KernelTotal * page;
    performance->handles = raw.HandleCount;
    performance->processes = raw.ProcessCount;
    performance->threads = raw.ThreadCount;
    return ERROR_SUCCESS;
}

DWORD wm_process_counters(HANDLE process, wm_process_counters_t *counters)
{
    PROCESS_MEMORY_COUNTERS_EX raw;
    BOOL ok = FALSE;

    if (process == NULL || counters == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&raw, 0, sizeof raw);
    raw.cb = sizeof raw;
    /* A value no real charge has: whether the call wrote PrivateUsage is then observable
     * (Wine fills only the base PROCESS_MEMORY_COUNTERS). */
    raw.PrivateUsage = (SIZE_T)-1;
    /* The _EX structure adds PrivateUsage; the function takes it through the base type. */
    ok = wm__os.GetProcessMemoryInfo(process, (PPROCESS_MEMORY_COUNTERS)&raw, sizeof raw);
    if (!ok) {
        return GetLastError();
    }
    counters->page_faults = raw.PageFaultCount;
    counters->working_set = raw.WorkingSetSize;
    counters->peak_working_set = raw.PeakWorkingSetSize;
    counters->private_written = raw.PrivateUsage != (SIZE_T)-1;
    counters->private_bytes = counters->private_written ? raw.PrivateUsage : 0;
    counters->pagefile_usage = raw.PagefileUsage;
    counters->peak_pagefile_usage = raw.PeakPagefileUsage;
    return ERROR_SUCCESS;
}

DWORD wm_runtime_query(wm_runtime_t *runtime)
{
    HMODULE ntdll = NULL;
    FARPROC proc = NULL;
    wm_rtl_get_version_fn rtl_get_version = NULL;
    wm_wine_get_version_fn wine_get_version = NULL;
    RTL_OSVERSIONINFOW version;
    const char *wine = NULL;
    LONG status = 0;

    if (runtime == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(runtime, 0, sizeof *runtime);
    /* ntdll is loaded in every process, so GetModuleHandleW (no reference taken) is enough. */
    ntdll = wm__os.GetModuleHandleW(L"ntdll.dll");
    if (ntdll == NULL) {
        return GetLastError();
    }
    proc = wm__os.GetProcAddress(ntdll, "RtlGetVersion");
    if (proc == NULL) {
        return GetLastError();
    }
    rtl_get_version = (wm_rtl_get_version_fn)(wm_any_fn)proc;
    memset(&version, 0, sizeof version);
    version.dwOSVersionInfoSize = sizeof version;
    status = rtl_get_version(&version);
    if (status != 0) {
        return ERROR_GEN_FAILURE;
    }
    runtime->major = version.dwMajorVersion;
    runtime->minor = version.dwMinorVersion;
    runtime->build = version.dwBuildNumber;

    /* Not finding wine_get_version is the normal case on Windows, not an error. */
    proc = wm__os.GetProcAddress(ntdll, "wine_get_version");
    if (proc != NULL) {
        wine_get_version = (wm_wine_get_version_fn)(wm_any_fn)proc;
        wine = wine_get_version();
        runtime->is_wine = 1;
        if (wine != NULL) {
            strncpy(runtime->wine_version, wine, sizeof runtime->wine_version - 1);
        }
    }
    return ERROR_SUCCESS;
}

int wm_is_wine(void)
{
    HMODULE ntdll = NULL;
    FARPROC proc = NULL;

    ntdll = wm__os.GetModuleHandleW(L"ntdll.dll");
    if (ntdll == NULL) {
        return 0;
    }
    proc = wm__os.GetProcAddress(ntdll, "wine_get_version");
    return proc != NULL;
}

int wm_is_power_of_two(SIZE_T value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

DWORD wm_size_round_up(SIZE_T size, SIZE_T unit, SIZE_T *rounded)
{
    SIZE_T mask = 0;

    if (rounded == NULL || !wm_is_power_of_two(unit)) {
        return ERROR_INVALID_PARAMETER;
    }
    mask = unit - 1;
    if (size > (SIZE_T)-1 - mask) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    *rounded = (size + mask) & ~mask;
    return ERROR_SUCCESS;
}

SIZE_T wm_size_round_down(SIZE_T value, SIZE_T unit)
{
    return value & ~(unit - 1);
}

DWORD wm_size_multiply(ULONGLONG a, ULONGLONG b, ULONGLONG *product)
{
    if (product == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (a != 0 && b > (ULONGLONG)-1 / a) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    *product = a * b;
    return ERROR_SUCCESS;
}
