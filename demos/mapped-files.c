/*
 * mapped-files.c - lesson: memory-mapped files, file I/O as memory operations.
 *
 * "Memory-mapped files provide a way to map a file directly into a process's virtual
 * address space. This allows file I/O operations to be performed as if they were memory
 * operations, often leading to improved performance." Each part of that, measured.
 *
 * What you will see when you run it:
 *   1. A temp file grown by its mapping, written through a view with plain stores, flushed,
 *      and read back with ReadFile.
 *   2. A copy of the lesson killed while it holds a mapped temp file: what is left of it.
 *   3. Files reversed in place through one view: two pointers walking towards each other.
 *   4. A file larger than any view: a byte histogram through sliding views (one loop), and
 *      a view at an unaligned offset refused.
 *   5. Copy-on-write, part 1: the commit charge is taken when the view is mapped.
 *   6. Copy-on-write, part 2: a write makes a private page; the file and other views keep
 *      the original bytes.
 *   7. A sparse file, mapped: a large logical size, little disk used, holes read as zero.
 *   8. Mapped against ReadFile: the same file summed both ways; what each cost here.
 *   9. Your file (--file): unchanged, unless --write asked step 3 to reverse it.
 * Every temp file is created with FILE_FLAG_DELETE_ON_CLOSE and removed on every exit path.
 *
 * Run:  mapped-files [--json] [--file PATH [--write]] [--pause]
 * Docs: docs/mapped-files.md (every claim below has its evidence there, by its id)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <psapi.h>
#include <winioctl.h> /* FSCTL_SET_SPARSE: WIN32_LEAN_AND_MEAN leaves it out */

#include "winmem.h"
#include "wm_lesson.h"

#define LESSON_NAME "mapped-files"
#define LESSON_TITLE                                                                               \
    "Memory-mapped files: a file's bytes mapped into the address space, read and written as "      \
    "memory, one page fault at a time."

/* How many temp files the lesson may have at once. */
#define TEMP_MAX 4

/* Step 4: views of this many allocation granularities, over a file of VIEWS_PER_FILE views
 * and an odd tail, so the last view is short. */
#define VIEW_GRANULES 4
#define VIEWS_PER_FILE 6
#define ODD_TAIL 12345

/* Step 5: the copy-on-write view's size, in pages. */
#define COPY_PAGES 256

/* Step 7: the sparse file's logical size (1 GiB), and "little disk" is under 1% of it. */
#define SPARSE_SIZE (1024ull * 1024 * 1024)
#define SPARSE_DISK_PERCENT 1

/* Step 8: the scanned file's size, and the ReadFile buffer (a common choice). */
#define SCAN_SIZE (64ull * 1024 * 1024)
#define READ_BUFFER_SIZE (64u * 1024u)

/* The exit code TerminateProcess gives the copy killed in step 2. */
#define DIE_EXIT 3

/* Where GetProcessMemoryInfo did not write PrivateUsage, it keeps this value. */
#define UNWRITTEN ((SIZE_T)-1)

/*
 * The temp files the console control handler must remove. A handler runs on its own
 * thread with only its control type as argument, so this table is global: the lesson's
 * only global. Each file is also opened with FILE_FLAG_DELETE_ON_CLOSE.
 */
static wchar_t temp_paths[TEMP_MAX][MAX_PATH];

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
static const wm_deviation_t PRIVATE_USAGE_UNFILLED = {
    "wine-private-usage-unfilled",
    "GetProcessMemoryInfo fills only the base PROCESS_MEMORY_COUNTERS and leaves "
    "PrivateUsage unwritten, so the commit charge cannot be observed."};
static const wm_deviation_t WRITECOPY_STILL_REPORTED = {
    "wine-writecopy-still-reported",
    "After a write to a copy-on-write view the private copy is made, but VirtualQuery still "
    "reports the page as PAGE_WRITECOPY instead of PAGE_READWRITE."};
static const wm_deviation_t COMPRESSED_SIZE_IS_FILE_SIZE = {
    "wine-compressed-size-is-file-size",
    "GetCompressedFileSizeW returns the file's logical size, not the bytes allocated on disk, "
    "so a sparse file's holes count as if they were written."};

/* A temp file this lesson made: its path and the handle that keeps it alive. */
typedef struct temp_file_s
{
    int slot;      /* index into temp_paths, or -1 */
    HANDLE anchor; /* read-write, FILE_FLAG_DELETE_ON_CLOSE: closing it deletes the file */
    wchar_t *path; /* temp_paths[slot] */
} temp_file_t;

/* Facts about the user's file, before and after, to prove it was not changed. */
typedef struct file_fingerprint_s
{
    ULONGLONG size;    /* bytes */
    FILETIME written;  /* last write time */
    uint32_t checksum; /* wm_checksum of every byte */
} file_fingerprint_t;

/* What the command line sets, and what steps hand to the steps after them. */
typedef struct lesson_state_s
{
    const wchar_t *user_file;       /* --file: also use this file (read-only), or NULL */
    int write;                      /* --write: step 3 may reverse the user's file */
    SYSTEM_INFO system;             /* page size and allocation granularity */
    file_fingerprint_t user_before; /* the user's file before the lesson */
    temp_file_t copy_temp;          /* steps 5-6: the copy-on-write file */
    HANDLE copy_mapping;            /* steps 5-6: its PAGE_WRITECOPY section */
    unsigned char *copy_view;       /* steps 5-6: its FILE_MAP_COPY view */
} lesson_state_t;

/* What step 2's child reports back (wm_child_report): one plain struct, no parsing. */
typedef struct child_report_s
{
    wchar_t path[MAX_PATH]; /* the temp file it mapped */
    DWORD error;            /* 0, or why it could not */
} child_report_t;

/* ------------------------------------------------------------------------------------ */
/* Temp files, removed on every exit path.                                              */
/* ------------------------------------------------------------------------------------ */

/* Ctrl+C, Ctrl+Break, closing the console: remove what is left, then let the default
 * handler end the process (FALSE). */
static BOOL WINAPI on_console_control(DWORD control_type)
{
    int i = 0;

    (void)control_type;
    for (i = 0; i < TEMP_MAX; i++) {
        if (temp_paths[i][0] != L'\0') {
            (void)DeleteFileW(temp_paths[i]); /* best effort: the process is ending */
        }
    }
    return FALSE;
}

/* Creates an empty temp file, open for reading and writing, registered for removal. */
static DWORD temp_create(temp_file_t *temp)
{
    static LONG serial = 0;
    wchar_t folder[MAX_PATH];
    DWORD length = 0;
    int slot = 0;

    temp->slot = -1;
    temp->anchor = INVALID_HANDLE_VALUE;
    temp->path = NULL;
    for (slot = 0; slot < TEMP_MAX && temp_paths[slot][0] != L'\0'; slot++) {
    }
    if (slot == TEMP_MAX) {
        return ERROR_TOO_MANY_OPEN_FILES;
    }
    length = GetTempPathW(MAX_PATH, folder);
    if (length == 0 || length >= MAX_PATH) {
        return length == 0 ? GetLastError() : ERROR_BUFFER_OVERFLOW;
    }
    serial++;
    swprintf(temp_paths[slot], MAX_PATH, L"%lswinmem-mapped-%lu-%ld.bin", folder,
             (unsigned long)GetCurrentProcessId(), (long)serial);
    temp->anchor = CreateFileW(temp_paths[slot], GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_DELETE, /* others may look */
                               NULL,                                /* default security */
                               CREATE_NEW, /* never reuse an existing file */
                               FILE_ATTRIBUTE_TEMPORARY |
                                   FILE_FLAG_DELETE_ON_CLOSE, /* gone with the last handle */
                               NULL);
    if (temp->anchor == INVALID_HANDLE_VALUE) {
        DWORD error = GetLastError();
        temp_paths[slot][0] = L'\0';
        return error;
    }
    temp->slot = slot;
    temp->path = temp_paths[slot];
    return ERROR_SUCCESS;
}

/* Closes the anchor (which deletes the file) and forgets the path. Returns 1 when the file
 * is gone afterwards, as GetFileAttributesW sees it. */
static int temp_remove(temp_file_t *temp)
{
    DWORD attributes = 0;
    BOOL closed = FALSE;

    if (temp->slot < 0) {
        return 1;
    }
    closed = CloseHandle(temp->anchor);
    temp->anchor = INVALID_HANDLE_VALUE;
    attributes = GetFileAttributesW(temp->path);
    temp_paths[temp->slot][0] = L'\0';
    temp->slot = -1;
    temp->path = NULL;
    return closed && attributes == INVALID_FILE_ATTRIBUTES;
}

/* A byte pattern that differs from its own reverse. */
static unsigned char pattern_byte(ULONGLONG i)
{
    return (unsigned char)((i * 131u + 7u) ^ (i >> 8));
}

/* Makes a temp file of size bytes of pattern_byte, written with WriteFile. */
static DWORD temp_create_filled(temp_file_t *temp, ULONGLONG size)
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    ULONGLONG written = 0;
    DWORD chunk = 0;
    DWORD done = 0;
    DWORD i = 0;
    DWORD error = temp_create(temp);

    while (error == ERROR_SUCCESS && written < size) {
        chunk = (DWORD)(size - written < sizeof buffer ? size - written : sizeof buffer);
        for (i = 0; i < chunk; i++) {
            buffer[i] = pattern_byte(written + i);
        }
        if (!WriteFile(temp->anchor, buffer, chunk, &done, NULL)) {
            error = GetLastError();
        }
        written += done;
    }
    return error;
}

/* Reads length bytes from offset 0 of file with ReadFile. */
static DWORD read_start(HANDLE file, unsigned char *bytes, DWORD length)
{
    LARGE_INTEGER zero;
    DWORD done = 0;

    zero.QuadPart = 0;
    if (!SetFilePointerEx(file, zero, NULL, FILE_BEGIN)) {
        return GetLastError();
    }
    if (!ReadFile(file, bytes, length, &done, NULL)) {
        return GetLastError();
    }
    return done == length ? ERROR_SUCCESS : ERROR_HANDLE_EOF;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Write through a view, flush, read back.                                      */
/* ------------------------------------------------------------------------------------ */

/* Reads the first size bytes of file with ReadFile and counts those that are not
 * pattern_byte: what a reader who never saw the view gets. */
static DWORD count_differences(HANDLE file, SIZE_T size, SIZE_T *differ)
{
    static unsigned char check[4 * 65536];
    SIZE_T i = 0;
    DWORD error = size <= sizeof check ? ERROR_SUCCESS : ERROR_BUFFER_OVERFLOW;

    *differ = 0;
    if (error == ERROR_SUCCESS) {
        error = read_start(file, check, (DWORD)size);
    }
    for (i = 0; error == ERROR_SUCCESS && i < size; i++) {
        *differ += check[i] != pattern_byte(i);
    }
    return error;
}

static void show_write_through_a_view(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T size = (SIZE_T)state->system.dwPageSize * 3 + 100; /* not whole pages */
    temp_file_t temp;
    HANDLE mapping = NULL;
    unsigned char *view = NULL;
    MEMORY_BASIC_INFORMATION info;
    LARGE_INTEGER file_size;
    SIZE_T i = 0;
    SIZE_T differ = 0;
    BOOL ok = SetConsoleCtrlHandler(on_console_control, TRUE); /* TRUE: add it */

    if (!wm_require_win32(lesson, "SetConsoleCtrlHandler", ok) ||
        !wm_require(lesson, "CreateFileW(temp file)", temp_create(&temp))) {
        return;
    }
    mapping = CreateFileMappingW(temp.anchor, NULL, /* the empty file; default security */
                                 PAGE_READWRITE,    /* views may read and write */
                                 0, (DWORD)size,    /* larger than the file: grows it */
                                 NULL);             /* no name: only this process uses it */
    if (!wm_require_win32(lesson, "CreateFileMappingW(PAGE_READWRITE)", mapping != NULL)) {
        return;
    }
    view = (unsigned char *)MapViewOfFile(mapping, FILE_MAP_WRITE, /* read and write */
                                          0, 0,                    /* from offset 0 */
                                          0);                      /* to the section's end */
    if (!wm_require_win32(lesson, "MapViewOfFile(FILE_MAP_WRITE)", view != NULL)) {
        return;
    }
    for (i = 0; i < size; i++) {
        view[i] = pattern_byte(i); /* the first store to each page faults it in */
    }
    (void)VirtualQuery(view, &info, sizeof info);
    ok = FlushViewOfFile(view, 0); /* 0: the whole view; starts writing the dirty pages */
    ok = ok && FlushFileBuffers(temp.anchor); /* waits until data and metadata are on disk */
    ok = ok && UnmapViewOfFile(view);         /* the address MapViewOfFile returned */
    ok = ok && CloseHandle(mapping);
    ok = ok && GetFileSizeEx(temp.anchor, &file_size); /* the file's size now */
    if (!wm_require_win32(lesson, "FlushViewOfFile, FlushFileBuffers, Unmap, Close, Size", ok) ||
        !wm_require(lesson, "ReadFile", count_differences(temp.anchor, size, &differ))) {
        return;
    }
    wm_value_address(lesson, "view address", (uintptr_t)view);
    wm_value_text(lesson, "view type", wm_type_name(info.Type));
    wm_value_bytes(lesson, "file size now", (uint64_t)file_size.QuadPart);
    wm_value_count(lesson, "bytes ReadFile returned that differ from the stores", differ, NULL);
    wm_claim(lesson, "mf.view-is-mapped",
             "A view is MEM_MAPPED memory starting at an allocation-granularity boundary.",
             info.Type == MEM_MAPPED &&
                 (uintptr_t)info.AllocationBase % state->system.dwAllocationGranularity == 0);
    wm_claim(lesson, "mf.mapping-grows-file", "The mapping size grew the empty file.",
             (ULONGLONG)file_size.QuadPart == size);
    wm_note(lesson, "ReadFile and the view agree here, in practice, for a local file in the "
                    "cache; Windows does not promise that a view is coherent with ReadFile.");
    wm_claim(lesson, "mf.temp-gone", "The temp file is gone once its last handle is closed.",
             temp_remove(&temp));
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. A process killed while it holds a mapped temp file.                          */
/* ------------------------------------------------------------------------------------ */

/* The child: create and map a temp file, report its path, and die without closing
 * anything (TerminateProcess: none of our cleanup code runs). */
static int run_die_holding_temp(void *context)
{
    temp_file_t temp;
    child_report_t report;
    HANDLE mapping = NULL;
    unsigned char *view = NULL;

    (void)context;
    memset(&report, 0, sizeof report);
    report.error = temp_create(&temp);
    if (report.error == ERROR_SUCCESS) {
        mapping = CreateFileMappingW(temp.anchor, NULL, PAGE_READWRITE, 0, 1, NULL); /* 1 byte */
        view = mapping != NULL ? (unsigned char *)MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0)
                               : NULL;
        report.error = view == NULL ? GetLastError() : ERROR_SUCCESS;
        memcpy(report.path, temp.path, sizeof report.path); /* both are MAX_PATH */
    }
    if (view != NULL) {
        view[0] = 1;
    }
    (void)wm_child_report(&report, sizeof report);
    TerminateProcess(GetCurrentProcess(), DIE_EXIT); /* a crash, as far as cleanup goes */
    return WM_EXIT_FAILED;                           /* not reached */
}

static void show_a_killed_process(wm_lesson_t *lesson, void *context)
{
    wm_output_t output;
    child_report_t report;
    DWORD exit_code = 0;
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL deleted = FALSE;
    int reported = 0;

    (void)context;
    memset(&output, 0, sizeof output);
    error =
        wm_process_run_self(L"--child=die-holding-temp", wm_output_collect, &output, &exit_code);
    if (!wm_require(lesson, "Running a copy of this program (CreateProcessW)", error)) {
        return;
    }
    reported = wm_child_report_read(output.text, output.length, &report, sizeof report);
    if (!wm_require(lesson, "Reading the child's report", reported ? report.error : 1)) {
        return;
    }
    wm_value_count(lesson, "the killed copy's exit code", exit_code, NULL);
    wm_claim(lesson, "mf.terminate-exit-code",
             "The killed copy's exit code is the one TerminateProcess gave it.",
             exit_code == DIE_EXIT);
    attributes = GetFileAttributesW(report.path); /* the dead copy's handles are closed now */
    wm_value_text(lesson, "its temp file after it died",
                  attributes == INVALID_FILE_ATTRIBUTES ? "gone" : "still there");
    if (attributes != INVALID_FILE_ATTRIBUTES) {
        deleted = DeleteFileW(report.path); /* no view of a dead process keeps it */
    }
    wm_claim(lesson, "mf.dead-process-releases",
             "Once the copy has ended its temp file is gone, or can be deleted: nothing of the "
             "dead process holds it any more.",
             attributes == INVALID_FILE_ATTRIBUTES || deleted);
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Reverse in place.                                                            */
/* ------------------------------------------------------------------------------------ */

/* Reverses file's bytes in place through one read-write view: no buffer, no copy. */
static DWORD reverse_in_place(HANDLE file)
{
    HANDLE mapping = NULL;
    unsigned char *view = NULL;
    unsigned char *front = NULL;
    unsigned char *back = NULL;
    unsigned char byte = 0;
    LARGE_INTEGER size;
    DWORD error = ERROR_SUCCESS;

    if (!GetFileSizeEx(file, &size)) {
        return GetLastError();
    }
    if ((ULONGLONG)size.QuadPart > (SIZE_T)-1) {
        return ERROR_ARITHMETIC_OVERFLOW; /* one view cannot cover it in this process */
    }
    mapping = CreateFileMappingW(file, NULL, PAGE_READWRITE, /* read-write views */
                                 0, 0,                       /* 0, 0: the file's own size */
                                 NULL);
    if (mapping == NULL) {
        return GetLastError(); /* an empty file: ERROR_FILE_INVALID */
    }
    view = (unsigned char *)MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0); /* all of it */
    if (view == NULL) {
        error = GetLastError();
        (void)CloseHandle(mapping);
        return error;
    }
    front = view;                            /* the first byte */
    back = view + (SIZE_T)size.QuadPart - 1; /* the last byte */
    while (front < back) {                   /* walk towards each other, swapping */
        byte = *front;
        *front++ = *back;
        *back-- = byte;
    }
    if (!FlushViewOfFile(view, 0) || !UnmapViewOfFile(view)) {
        error = GetLastError();
    }
    if (!CloseHandle(mapping) && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* Checks through a new read-only view (views of one file are coherent) that file holds
 * the reverse of pattern_byte. Returns 1 if every byte is where the reversal put it. */
static int reversed_exactly(HANDLE file, SIZE_T size)
{
    HANDLE mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
    const unsigned char *view = NULL;
    SIZE_T i = 0;
    int exact = 0;

    if (mapping != NULL) {
        view = (const unsigned char *)MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    }
    exact = view != NULL;
    for (i = 0; exact && i < size; i++) {
        exact = view[i] == pattern_byte(size - 1 - i);
    }
    if (view != NULL) {
        exact = UnmapViewOfFile(view) && exact;
    }
    if (mapping != NULL) {
        exact = CloseHandle(mapping) && exact;
    }
    return exact;
}

static void show_reverse_in_place(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T sizes[4];
    temp_file_t temp;
    HANDLE user = INVALID_HANDLE_VALUE;
    DWORD empty_error = ERROR_SUCCESS;
    DWORD error = ERROR_SUCCESS;
    size_t k = 0;
    int exact = 1;

    sizes[0] = 1;                                                 /* its own reverse */
    sizes[1] = state->system.dwPageSize - 1;                      /* ends in a partial page */
    sizes[2] = (SIZE_T)state->system.dwPageSize + 1;              /* one byte on a 2nd page */
    sizes[3] = (SIZE_T)state->system.dwAllocationGranularity + 1; /* past a granularity */
    for (k = 0; k < 4; k++) {
        error = temp_create_filled(&temp, sizes[k]);
        error = error == ERROR_SUCCESS ? reverse_in_place(temp.anchor) : error;
        exact = exact && error == ERROR_SUCCESS && reversed_exactly(temp.anchor, sizes[k]);
        exact = temp_remove(&temp) && exact;
        wm_value_bytes(lesson, "reversed a file of", sizes[k]);
    }
    wm_claim(
        lesson, "mf.reverse-exact",
        "Files of 1 byte, a page - 1, a page + 1 and a granularity + 1 bytes are reversed "
        "exactly through one view, as a new view of each file shows; their temp files are gone.",
        exact);
    error = temp_create(&temp);
    empty_error = error == ERROR_SUCCESS ? reverse_in_place(temp.anchor) : error;
    wm_value_count(lesson, "CreateFileMappingW of an empty file, size 0: error", empty_error, NULL);
    wm_claim(lesson, "mf.empty-file-invalid",
             "An empty file cannot be mapped: CreateFileMappingW fails with ERROR_FILE_INVALID.",
             empty_error == ERROR_FILE_INVALID && temp_remove(&temp));
    if (state->user_file != NULL && state->write) {
        user = CreateFileW(state->user_file, GENERIC_READ | GENERIC_WRITE, 0, /* exclusive */
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        error = user == INVALID_HANDLE_VALUE ? GetLastError() : reverse_in_place(user);
        if (user != INVALID_HANDLE_VALUE) {
            (void)CloseHandle(user);
        }
        (void)wm_require(lesson, "--write: reversing your file (run again to undo)", error);
    } else if (state->user_file != NULL) {
        wm_note(lesson, "Your file was not touched here: reversing it needs --write.");
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Sliding views: a histogram.                                                  */
/* ------------------------------------------------------------------------------------ */

/* The histogram through sliding views: map a window, count it, unmap it, slide on. */
static DWORD histogram_by_views(HANDLE file, SIZE_T view_size, ULONGLONG counts[256])
{
    HANDLE mapping = NULL;
    const unsigned char *view = NULL;
    LARGE_INTEGER size;
    ULONGLONG offset = 0;
    SIZE_T length = 0;
    SIZE_T i = 0;
    DWORD error = ERROR_SUCCESS;

    memset(counts, 0, 256 * sizeof counts[0]);
    if (!GetFileSizeEx(file, &size)) {
        return GetLastError();
    }
    mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL); /* the whole file */
    if (mapping == NULL) {
        return GetLastError();
    }
    for (offset = 0; offset < (ULONGLONG)size.QuadPart; offset += view_size) {
        length = (ULONGLONG)size.QuadPart - offset < view_size
                     ? (SIZE_T)((ULONGLONG)size.QuadPart - offset)
                     : view_size;
        view = (const unsigned char *)MapViewOfFile(mapping, FILE_MAP_READ, /* read only */
                                                    (DWORD)(offset >> 32),  /* offset, high */
                                                    (DWORD)(offset & 0xFFFFFFFFu), /* low */
                                                    length); /* this window only */
        if (view == NULL) {
            error = GetLastError();
            break;
        }
        for (i = 0; i < length; i++) {
            counts[view[i]]++; /* each new page is a page fault that reads the file */
        }
        if (!UnmapViewOfFile(view)) {
            error = GetLastError();
            break;
        }
    }
    if (!CloseHandle(mapping) && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* The same histogram with ReadFile, for comparison. */
static DWORD histogram_by_readfile(HANDLE file, ULONGLONG counts[256])
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    LARGE_INTEGER zero;
    DWORD done = 0;
    DWORD i = 0;

    memset(counts, 0, 256 * sizeof counts[0]);
    zero.QuadPart = 0;
    if (!SetFilePointerEx(file, zero, NULL, FILE_BEGIN)) {
        return GetLastError();
    }
    do {
        if (!ReadFile(file, buffer, sizeof buffer, &done, NULL)) {
            return GetLastError();
        }
        for (i = 0; i < done; i++) {
            counts[buffer[i]]++;
        }
    } while (done > 0); /* 0 bytes read: the end of the file */
    return ERROR_SUCCESS;
}

/* Both histograms of file, their agreement as a value. */
static void histogram_of(wm_lesson_t *lesson, HANDLE file, SIZE_T view_size, const char *what)
{
    ULONGLONG by_views[256];
    ULONGLONG by_read[256];
    char name[128];
    DWORD error = histogram_by_views(file, view_size, by_views);
    int most = 0;
    int i = 0;

    if (error == ERROR_FILE_INVALID) {
        wm_note(lesson, "%s is empty: there is nothing to map.", what);
        return;
    }
    snprintf(name, sizeof name, "%s: the histogram through sliding views", what);
    if (!wm_require(lesson, name, error) ||
        !wm_require(lesson, "The histogram with ReadFile", histogram_by_readfile(file, by_read))) {
        return;
    }
    for (i = 1; i < 256; i++) {
        most = by_views[i] > by_views[most] ? i : most;
    }
    snprintf(name, sizeof name, "%s: most frequent byte", what);
    wm_value_hex(lesson, name, (uint64_t)most, NULL);
    wm_value_count(lesson, "its count", by_views[most], NULL);
    wm_value_text(lesson, "the views' histogram equals ReadFile's",
                  memcmp(by_views, by_read, sizeof by_read) == 0 ? "yes" : "no");
}

static void show_sliding_views(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T view_size = (SIZE_T)state->system.dwAllocationGranularity * VIEW_GRANULES;
    ULONGLONG size = (ULONGLONG)view_size * VIEWS_PER_FILE + ODD_TAIL;
    temp_file_t temp;
    HANDLE mapping = NULL;
    HANDLE user = INVALID_HANDLE_VALUE;
    void *view = NULL;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    wm_value_bytes(lesson, "view size", view_size);
    wm_value_count(lesson, "views needed", (size + view_size - 1) / view_size, NULL);
    if (!wm_require(lesson, "A temp file of six views and a tail",
                    temp_create_filled(&temp, size))) {
        return;
    }
    histogram_of(lesson, temp.anchor, view_size, "The temp file");
    mapping = CreateFileMappingW(temp.anchor, NULL, PAGE_READONLY, 0, 0, NULL);
    if (!wm_require_win32(lesson, "CreateFileMappingW(PAGE_READONLY)", mapping != NULL)) {
        return;
    }
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0,
                         state->system.dwPageSize, /* offset: one page, not a granularity */
                         1);
    error = view == NULL ? GetLastError() : ERROR_SUCCESS;
    wm_value_count(lesson, "MapViewOfFile at an offset of one page: error", error, NULL);
    wm_claim(lesson, "mf.offset-alignment",
             "A view at a file offset that is not a multiple of the allocation granularity is "
             "refused.",
             view == NULL);
    if (view != NULL) {
        (void)UnmapViewOfFile(view); /* only if the claim above failed */
    }
    ok = CloseHandle(mapping);
    (void)wm_require_win32(lesson, "CloseHandle(mapping)", ok);
    wm_claim(lesson, "mf.temp-gone", "The temp file is gone once its last handle is closed.",
             temp_remove(&temp));
    if (state->user_file != NULL) {
        user = CreateFileW(state->user_file, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL); /* read only: never changed */
        if (wm_require_win32(lesson, "CreateFileW(your file, GENERIC_READ)",
                             user != INVALID_HANDLE_VALUE)) {
            histogram_of(lesson, user, view_size, "Your file");
            (void)CloseHandle(user);
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Steps 5 and 6. Copy-on-write.                                                        */
/* ------------------------------------------------------------------------------------ */

/* This process's commit charge (PrivateUsage), or UNWRITTEN where the call leaves it. */
static SIZE_T commit_charge(void)
{
    PROCESS_MEMORY_COUNTERS_EX counters;

    memset(&counters, 0, sizeof counters);
    counters.PrivateUsage = UNWRITTEN; /* to see whether the call fills it */
    if (!GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&counters,
                              sizeof counters)) { /* the _EX size: adds PrivateUsage */
        return UNWRITTEN;
    }
    return counters.PrivateUsage;
}

static void show_copy_charged_at_map(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T size = (SIZE_T)state->system.dwPageSize * COPY_PAGES;
    SIZE_T before = 0;
    SIZE_T after = 0;
    int unfilled = 0;

    if (!wm_require(lesson, "A temp file", temp_create_filled(&state->copy_temp, size))) {
        return;
    }
    state->copy_mapping = CreateFileMappingW(state->copy_temp.anchor, NULL,
                                             PAGE_WRITECOPY, /* views may copy on write */
                                             0, 0, NULL);    /* the file's size, no name */
    if (!wm_require_win32(lesson, "CreateFileMappingW(PAGE_WRITECOPY)",
                          state->copy_mapping != NULL)) {
        return;
    }
    before = commit_charge();
    state->copy_view =
        (unsigned char *)MapViewOfFile(state->copy_mapping, FILE_MAP_COPY, /* writes stay private */
                                       0, 0, 0);                           /* the whole file */
    after = commit_charge();
    if (!wm_require_win32(lesson, "MapViewOfFile(FILE_MAP_COPY)", state->copy_view != NULL)) {
        return;
    }
    unfilled = before == UNWRITTEN && after == UNWRITTEN;
    wm_value_bytes(lesson, "view size", size);
    wm_value_signed(lesson, "PrivateUsage change when mapped, nothing written yet",
                    unfilled ? 0 : (int64_t)after - (int64_t)before, "bytes");
    if (unfilled) {
        wm_note(lesson, "PrivateUsage was not filled in by GetProcessMemoryInfo.");
    }
    wm_claim_or_deviation(lesson, "mf.copy-charged-at-map",
                          "Mapping a copy-on-write view takes the commit charge for the whole "
                          "view at once, before any page is written.",
                          !unfilled && after >= before + size, unfilled, &PRIVATE_USAGE_UNFILLED);
}

static void show_copy_on_write(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    unsigned char written = (unsigned char)~pattern_byte(0);
    unsigned char first_byte = 0;
    HANDLE read_mapping = NULL;
    const unsigned char *other = NULL;
    MEMORY_BASIC_INFORMATION before;
    MEMORY_BASIC_INFORMATION after;
    BOOL ok = FALSE;

    read_mapping = CreateFileMappingW(state->copy_temp.anchor, NULL, PAGE_READONLY, 0, 0, NULL);
    other = read_mapping == NULL
                ? NULL
                : (const unsigned char *)MapViewOfFile(read_mapping, FILE_MAP_READ, 0, 0, 0);
    if (!wm_require_win32(lesson, "A second, read-only mapping and view", other != NULL)) {
        return;
    }
    (void)VirtualQuery(state->copy_view, &before, sizeof before);
    state->copy_view[0] = written; /* the write: this page becomes a private copy */
    (void)VirtualQuery(state->copy_view, &after, sizeof after);
    wm_value_hex(lesson, "protection before the write", before.Protect,
                 wm_protect_name(before.Protect));
    wm_value_hex(lesson, "protection after the write", after.Protect,
                 wm_protect_name(after.Protect));
    wm_claim(lesson, "mf.writecopy-before",
             "Before the write the copy-on-write page is PAGE_WRITECOPY.",
             before.Protect == PAGE_WRITECOPY);
    wm_claim(lesson, "mf.copy-sees-write", "The copy-on-write view sees its own write.",
             state->copy_view[0] == written);
    wm_claim(lesson, "mf.other-view-unchanged", "Another view of the same file does not see it.",
             other[0] == pattern_byte(0));
    wm_claim_or_deviation(lesson, "mf.readwrite-after",
                          "After the write the page is PAGE_READWRITE: a private copy.",
                          after.Protect == PAGE_READWRITE,
                          after.Protect == PAGE_WRITECOPY && state->copy_view[0] == written &&
                              other[0] == pattern_byte(0),
                          &WRITECOPY_STILL_REPORTED);
    ok = UnmapViewOfFile(other) && UnmapViewOfFile(state->copy_view);
    ok = ok && CloseHandle(read_mapping) && CloseHandle(state->copy_mapping);
    if (!wm_require_win32(lesson, "UnmapViewOfFile (both views), CloseHandle (both)", ok) ||
        !wm_require(lesson, "ReadFile", read_start(state->copy_temp.anchor, &first_byte, 1))) {
        return;
    }
    wm_claim(lesson, "mf.file-unchanged", "The file keeps its original byte.",
             first_byte == pattern_byte(0));
    wm_claim(lesson, "mf.temp-gone", "The temp file is gone once its last handle is closed.",
             temp_remove(&state->copy_temp));
}

/* ------------------------------------------------------------------------------------ */
/* Step 7. A sparse file, mapped.                                                       */
/* ------------------------------------------------------------------------------------ */

/* Makes file sparse, sets its size (a hole) and writes mark at offset. */
static DWORD make_sparse(HANDLE file, ULONGLONG size, ULONGLONG offset, unsigned char mark)
{
    LARGE_INTEGER position;
    DWORD returned = 0;
    DWORD done = 0;

    if (!DeviceIoControl(file, FSCTL_SET_SPARSE, NULL, 0, /* no input: "set" */
                         NULL, 0, &returned, NULL)) {     /* no output, synchronous */
        return GetLastError();
    }
    position.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(file, position, NULL, FILE_BEGIN) || !SetEndOfFile(file)) {
        return GetLastError(); /* the new range is a hole */
    }
    position.QuadPart = (LONGLONG)offset;
    if (!SetFilePointerEx(file, position, NULL, FILE_BEGIN) ||
        !WriteFile(file, &mark, 1, &done, NULL)) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

static void show_sparse_file(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    ULONGLONG middle = SPARSE_SIZE / 2;
    ULONGLONG start = middle - state->system.dwAllocationGranularity; /* a granularity */
    SIZE_T length = (SIZE_T)state->system.dwAllocationGranularity * 2;
    unsigned char mark = 0x5A;
    temp_file_t temp;
    HANDLE mapping = NULL;
    const unsigned char *view = NULL;
    ULONGLONG on_disk = 0;
    DWORD high = 0;
    DWORD low = 0;
    SIZE_T i = 0;
    SIZE_T nonzero = 0; /* bytes other than the written one that are not zero */
    BOOL ok = FALSE;

    if (!wm_require(lesson, "A temp file", temp_create(&temp)) ||
        !wm_require(lesson, "FSCTL_SET_SPARSE, SetEndOfFile at 1 GiB, one byte in the middle",
                    make_sparse(temp.anchor, SPARSE_SIZE, middle, mark))) {
        return;
    }
    low = GetCompressedFileSizeW(temp.path, &high); /* for a sparse file: bytes on disk */
    on_disk = ((ULONGLONG)high << 32) | low;
    wm_value_bytes(lesson, "logical size", SPARSE_SIZE);
    wm_value_bytes(lesson, "on disk (GetCompressedFileSizeW)", on_disk);
    wm_claim_or_deviation(
        lesson, "mf.sparse-little-disk", "The sparse file uses less than 1% of its size on disk.",
        low != INVALID_FILE_SIZE && on_disk < SPARSE_SIZE / 100 * SPARSE_DISK_PERCENT,
        low != INVALID_FILE_SIZE && on_disk == SPARSE_SIZE, &COMPRESSED_SIZE_IS_FILE_SIZE);
    mapping = CreateFileMappingW(temp.anchor, NULL, PAGE_READONLY, 0, 0, NULL); /* all 1 GiB */
    view = mapping == NULL
               ? NULL
               : (const unsigned char *)MapViewOfFile(mapping, FILE_MAP_READ, (DWORD)(start >> 32),
                                                      (DWORD)(start & 0xFFFFFFFFu),
                                                      length); /* around the byte */
    if (!wm_require_win32(lesson, "A view of two granularities around the byte", view != NULL)) {
        return;
    }
    for (i = 0; i < length; i++) {
        nonzero += i != middle - start && view[i] != 0;
    }
    wm_value_hex(lesson, "the written byte, through the view", view[middle - start], NULL);
    wm_value_count(lesson, "other bytes that are not zero", nonzero, NULL);
    wm_claim(lesson, "mf.sparse-holes-zero",
             "Every byte of the view but the written one lies in a hole and reads as zero.",
             nonzero == 0);
    ok = UnmapViewOfFile(view);
    ok = ok && CloseHandle(mapping);
    if (wm_require_win32(lesson, "UnmapViewOfFile, CloseHandle", ok)) {
        wm_claim(lesson, "mf.temp-gone", "The temp file is gone once its last handle is closed.",
                 temp_remove(&temp));
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 8. Mapped against ReadFile.                                                     */
/* ------------------------------------------------------------------------------------ */

/* What one scan cost: time and this process's page faults. */
typedef struct scan_s
{
    ULONGLONG sum;  /* the sum of the file as 64-bit words (and tail bytes) */
    double seconds; /* QueryPerformanceCounter around the scan */
    DWORD faults;   /* PageFaultCount of this process during the scan */
    DWORD error;    /* ERROR_SUCCESS or why the scan stopped */
} scan_t;

/* Sums length bytes as whole 64-bit words, then the bytes past the last whole word. */
static ULONGLONG sum_words(const unsigned char *bytes, SIZE_T length)
{
    ULONGLONG sum = 0;
    ULONGLONG word = 0;
    SIZE_T i = 0;

    for (i = 0; i + sizeof word <= length; i += sizeof word) {
        memcpy(&word, bytes + i, sizeof word); /* a word load: the CPU keeps up */
        sum += word;
    }
    for (; i < length; i++) {
        sum += bytes[i];
    }
    return sum;
}

static DWORD fault_count(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    memset(&counters, 0, sizeof counters);
    (void)GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters);
    return counters.PageFaultCount;
}

static double seconds_since(LARGE_INTEGER start)
{
    LARGE_INTEGER end;
    LARGE_INTEGER frequency;

    QueryPerformanceCounter(&end);
    QueryPerformanceFrequency(&frequency); /* cannot fail on Windows XP and later */
    return (double)(end.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

/* The scan through sliding views of view_size bytes. */
static void scan_by_views(HANDLE file, SIZE_T view_size, scan_t *scan)
{
    HANDLE mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
    const unsigned char *view = NULL;
    LARGE_INTEGER size;
    LARGE_INTEGER start;
    ULONGLONG offset = 0;
    SIZE_T length = 0;
    DWORD faults = fault_count();

    memset(scan, 0, sizeof *scan);
    size.QuadPart = 0;
    QueryPerformanceCounter(&start);
    if (mapping == NULL || !GetFileSizeEx(file, &size)) {
        scan->error = GetLastError();
    }
    for (offset = 0; scan->error == 0 && offset < (ULONGLONG)size.QuadPart; offset += view_size) {
        length = (ULONGLONG)size.QuadPart - offset < view_size
                     ? (SIZE_T)((ULONGLONG)size.QuadPart - offset)
                     : view_size;
        view = (const unsigned char *)MapViewOfFile(mapping, FILE_MAP_READ, (DWORD)(offset >> 32),
                                                    (DWORD)(offset & 0xFFFFFFFFu), length);
        if (view == NULL) {
            scan->error = GetLastError();
            break;
        }
        scan->sum += sum_words(view, length);
        (void)UnmapViewOfFile(view);
    }
    scan->seconds = seconds_since(start);
    scan->faults = fault_count() - faults;
    if (mapping != NULL) {
        (void)CloseHandle(mapping);
    }
}

/* The scan with ReadFile into one buffer. */
static void scan_by_readfile(HANDLE file, scan_t *scan)
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    LARGE_INTEGER zero;
    LARGE_INTEGER start;
    DWORD done = 0;
    DWORD faults = fault_count();

    memset(scan, 0, sizeof *scan);
    zero.QuadPart = 0;
    QueryPerformanceCounter(&start);
    if (!SetFilePointerEx(file, zero, NULL, FILE_BEGIN)) {
        scan->error = GetLastError();
    }
    while (scan->error == 0) {
        if (!ReadFile(file, buffer, sizeof buffer, &done, NULL)) {
            scan->error = GetLastError();
        } else if (done == 0) {
            break; /* the end of the file */
        }
        scan->sum += sum_words(buffer, done);
    }
    scan->seconds = seconds_since(start);
    scan->faults = fault_count() - faults;
}

/* Both scans of file, and what each cost. */
static void scan_both_ways(wm_lesson_t *lesson, HANDLE file, SIZE_T view_size, const char *what)
{
    LARGE_INTEGER size;
    scan_t by_views;
    scan_t by_read;
    char name[128];
    BOOL ok = GetFileSizeEx(file, &size);

    if (!wm_require_win32(lesson, "GetFileSizeEx", ok)) {
        return;
    }
    if (size.QuadPart == 0) {
        wm_note(lesson, "%s is empty: there is nothing to scan.", what);
        return;
    }
    scan_by_views(file, view_size, &by_views);
    scan_by_readfile(file, &by_read);
    if (!wm_require(lesson, "The scan through views", by_views.error) ||
        !wm_require(lesson, "The scan with ReadFile", by_read.error)) {
        return;
    }
    snprintf(name, sizeof name, "%s: size", what);
    wm_value_bytes(lesson, name, (uint64_t)size.QuadPart);
    wm_value_count(
        lesson, "through views, MB/s",
        (uint64_t)(by_views.seconds > 0 ? (double)size.QuadPart / by_views.seconds / 1e6 : 0),
        NULL);
    wm_value_count(lesson, "through views, page faults of this process", by_views.faults, NULL);
    wm_value_count(
        lesson, "with ReadFile (64 KiB buffer), MB/s",
        (uint64_t)(by_read.seconds > 0 ? (double)size.QuadPart / by_read.seconds / 1e6 : 0), NULL);
    wm_value_count(lesson, "with ReadFile, page faults of this process", by_read.faults, NULL);
    wm_value_text(lesson, "both sums equal", by_views.sum == by_read.sum ? "yes" : "no");
}

static void show_mapped_against_readfile(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    SIZE_T view_size = (SIZE_T)state->system.dwAllocationGranularity * 16; /* 1 MiB on x64 */
    temp_file_t temp;
    HANDLE user = INVALID_HANDLE_VALUE;

    if (!wm_require(lesson, "A 64 MiB temp file", temp_create_filled(&temp, SCAN_SIZE))) {
        return;
    }
    scan_both_ways(lesson, temp.anchor, view_size, "The temp file");
    wm_note(lesson, "These are this run's numbers, not a rule: ReadFile faults too, in the "
                    "cache manager's views, and those faults are counted to the system, not "
                    "to this process.");
    wm_claim(lesson, "mf.temp-gone", "The temp file is gone once its last handle is closed.",
             temp_remove(&temp));
    if (state->user_file != NULL) {
        user = CreateFileW(state->user_file, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_FLAG_SEQUENTIAL_SCAN, NULL); /* read only: never changed */
        if (wm_require_win32(lesson, "CreateFileW(your file, GENERIC_READ)",
                             user != INVALID_HANDLE_VALUE)) {
            scan_both_ways(lesson, user, view_size, "Your file");
            (void)CloseHandle(user);
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 9 and --file: the promise that your file is unchanged.                          */
/* ------------------------------------------------------------------------------------ */

/* Size, last write time and a checksum of every byte, read with ReadFile. */
static DWORD fingerprint(const wchar_t *path, file_fingerprint_t *print)
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    DWORD done = 0;
    DWORD error = ERROR_SUCCESS;

    memset(print, 0, sizeof *print);
    print->checksum = WM_CHECKSUM_SEED;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_FLAG_SEQUENTIAL_SCAN, NULL); /* read only */
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    if (!GetFileSizeEx(file, &size) || !GetFileTime(file, NULL, NULL, &print->written)) {
        error = GetLastError();
    }
    print->size = error == ERROR_SUCCESS ? (ULONGLONG)size.QuadPart : 0;
    while (error == ERROR_SUCCESS) {
        if (!ReadFile(file, buffer, sizeof buffer, &done, NULL)) {
            error = GetLastError();
        } else if (done == 0) {
            break;
        }
        print->checksum = wm_checksum(buffer, done, print->checksum);
    }
    if (!CloseHandle(file) && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

static void show_your_file(wm_lesson_t *lesson, void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    const file_fingerprint_t *before = &state->user_before;
    file_fingerprint_t after;

    if (state->user_file == NULL) {
        wm_note(lesson, "No --file given: nothing to check.");
        return;
    }
    if (!wm_require(lesson, "Reading your file again", fingerprint(state->user_file, &after))) {
        return;
    }
    wm_value_bytes(lesson, "size", after.size);
    wm_value_hex(lesson, "checksum before", before->checksum, "FNV-1a of every byte");
    wm_value_hex(lesson, "checksum after", after.checksum, NULL);
    if (state->write) {
        wm_claim(lesson, "mf.user-file-size-kept",
                 "--write: your file keeps its size (it was reversed in place).",
                 after.size == before->size);
        return;
    }
    wm_claim(lesson, "mf.user-file-unchanged",
             "Your file is unchanged: same size, same last-write time, same checksum of every "
             "byte.",
             after.size == before->size && after.checksum == before->checksum &&
                 CompareFileTime(&after.written, &before->written) == 0);
}

/* ------------------------------------------------------------------------------------ */
/* The lesson as a table.                                                               */
/* ------------------------------------------------------------------------------------ */

static void set_defaults(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;

    GetSystemInfo(&state->system); /* cannot fail */
    state->copy_temp.slot = -1;
    state->copy_temp.anchor = INVALID_HANDLE_VALUE;
}

/* --write needs --file; --file must name a readable file, not a directory. Its
 * fingerprint is taken here, before any step runs. */
static const char *check_options(void *context)
{
    lesson_state_t *state = (lesson_state_t *)context;
    static char message[200];
    char text[160];
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;

    if (state->user_file == NULL) {
        return state->write ? "--write: needs --file" : NULL;
    }
    attributes = GetFileAttributesW(state->user_file);
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        error = GetLastError();
    } else if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        return "--file: is a directory, not a file";
    } else {
        error = fingerprint(state->user_file, &state->user_before);
    }
    if (error != ERROR_SUCCESS) {
        (void)wm_error_text(error, text, sizeof text);
        snprintf(message, sizeof message, "--file: cannot read it: %s", text);
        return message;
    }
    return NULL;
}

static const wm_lesson_step_t steps[] = {
    {"Write through a view, flush, read it back",
     "An empty file in the temp folder is mapped for read and write with a mapping size of "
     "three pages and 100 bytes: CreateFileMapping grows the file to that size. Plain stores "
     "into the view write the file's pages. FlushViewOfFile starts writing the dirty pages, "
     "FlushFileBuffers waits for the disk; then ReadFile reads the file.",
     show_write_through_a_view},
    {"A process killed while it holds a mapped file",
     "A copy of this program creates a temp file with FILE_FLAG_DELETE_ON_CLOSE, maps it, "
     "writes through the view and is killed with TerminateProcess, so none of its cleanup "
     "runs. The system closes a dead process's handles and unmaps its views; what is left of "
     "the file is shown, and removed.",
     show_a_killed_process},
    {"Reverse a file in place",
     "One read-write view of the whole file, two pointers walking towards each other, a "
     "flush: the file is reversed without a buffer or a copy. Sizes that end in a partial "
     "page work the same; an empty file cannot be mapped at all.",
     show_reverse_in_place},
    {"A file larger than any view: sliding views",
     "A view need not cover the file: the loop maps one window, uses it, unmaps it and maps "
     "the next, so a file of any size goes through a few pages of address space. Each "
     "window's file offset must be a multiple of the allocation granularity, not just of the "
     "page size.",
     show_sliding_views},
    {"Copy-on-write: the charge comes first",
     "A PAGE_WRITECOPY mapping viewed with FILE_MAP_COPY shares the file's pages until a page "
     "is written. The pages wait for the write, but the commit charge does not: the system "
     "charges the whole view when it is mapped, since every page may need a private copy.",
     show_copy_charged_at_map},
    {"Copy-on-write: a private page",
     "A write to the copy-on-write view gives this view a private copy of that page. The file "
     "and every other view keep the original bytes.",
     show_copy_on_write},
    {"A sparse file, mapped",
     "FSCTL_SET_SPARSE marks a file sparse: ranges never written (holes) take no disk space "
     "and read as zero. Here: a 1 GiB file with one byte written in the middle, then a view "
     "around that byte.",
     show_sparse_file},
    {"Mapped against ReadFile",
     "The same file summed twice, as 64-bit words: through sliding views, and with ReadFile "
     "into one buffer. A view copies nothing but faults each page in; ReadFile makes a system "
     "call and a copy per buffer, and the cache manager faults the file's pages in for it. "
     "What this run measured is printed; which wins depends on the machine.",
     show_mapped_against_readfile},
    {"Your file",
     "With --file, steps 4 and 8 also read your file, opened read-only: it is checked "
     "unchanged (size, last-write time, a checksum of every byte). Only --write lets step 3 "
     "reverse it.",
     show_your_file},
};

static const wm_lesson_option_t options[] = {
    {L"--file", WM_OPTION_TEXT, offsetof(lesson_state_t, user_file), "PATH",
     "steps 4 and 8 also read PATH, opened read-only and left unchanged"},
    {L"--write", WM_OPTION_FLAG, offsetof(lesson_state_t, write), NULL,
     "with --file: step 3 reverses PATH in place (the only change ever made to it)"},
};

static const wm_lesson_child_t children[] = {
    {"die-holding-temp", run_die_holding_temp}, /* step 2 */
};

static const wm_lesson_spec_t lesson = {
    LESSON_NAME,
    LESSON_TITLE,
    steps,
    sizeof steps / sizeof steps[0],
    options,
    sizeof options / sizeof options[0],
    children,
    sizeof children / sizeof children[0],
    sizeof(lesson_state_t),
    set_defaults,
    check_options,
    NULL, /* nothing this lesson needs can be missing */
};

int wmain(int argc, wchar_t **argv)
{
    return wm_lesson_main(&lesson, argc, argv);
}
