/*
 * mapped-files.c - lesson: memory-mapped files, file I/O as memory operations.
 *
 * "Memory-mapped files provide a way to map a file directly into a process's virtual
 * address space. This allows file I/O operations to be performed as if they were memory
 * operations, often leading to improved performance." Each part of that, measured.
 *
 * What you will see when you run it:
 *   1. A file in the temp folder, grown by its mapping, written through a view, flushed,
 *      and read back with ReadFile: the same bytes. A copy of the lesson killed while it
 *      holds a mapped temp file leaves nothing behind.
 *   2. Reversing files in place through a mapping: 0 and 1 bytes, and sizes that are not
 *      multiples of the page or the allocation granularity.
 *   3. A file larger than any view: a byte histogram through sliding views, equal to the
 *      one ReadFile gives; a view at an unaligned offset fails with ERROR_MAPPED_ALIGNMENT.
 *   4. Copy-on-write: writes through a FILE_MAP_COPY view stay private; the file and
 *      another view do not change; the page's protection before and after the write.
 *   5. A sparse file, mapped: a large logical size, little disk used, holes read as zero.
 *   6. Mapped against ReadFile: the same file scanned both ways; both throughputs.
 * Every temp file is created with FILE_FLAG_DELETE_ON_CLOSE and is gone on every exit path,
 * Ctrl+C included. With --file PATH, steps 3 and 6 also run on your file, opened read-only
 * and checked unchanged (hash, size, time) at the end; only --write lets step 2 reverse it.
 *
 * Run:  mapped-files [--json] [--file PATH [--write]] [--pause]
 * Docs: docs/mapped-files.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <winioctl.h> /* FSCTL_SET_SPARSE: WIN32_LEAN_AND_MEAN leaves it out */

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_lesson.h"

#define DEMO_NAME "mapped-files"
#define DEMO_TITLE                                                                                 \
    "Memory-mapped files: a file's bytes mapped into the address space, read and written as "      \
    "memory, one page fault at a time."

/* How many temp files the lesson may have at once (steps use one or two). */
#define TEMP_MAX 4

/* Step 3: views of this many allocation granularities, over a file of VIEWS_PER_FILE views
 * and an odd tail, so the last view is short. */
#define VIEW_GRANULES 4
#define VIEWS_PER_FILE 6
#define ODD_TAIL 12345

/* Step 5: the sparse file's logical size (1 GiB: far more than it will use on disk), and
 * "little disk" means under 1% of that. */
#define SPARSE_SIZE (1024ull * 1024 * 1024)
#define SPARSE_DISK_PERCENT 1

/* Step 6: the scan file's size, and the ReadFile buffer: the same 64 KiB a view slides by
 * on most machines would favour neither side, so the buffer is simply a common choice. */
#define SCAN_SIZE (64ull * 1024 * 1024)
#define READ_BUFFER_SIZE (64u * 1024u)

/*
 * The temp files the console control handler must remove. A handler runs on its own
 * thread with only its control type as argument, so this one table is global: it is the
 * only global in the lesson. Each file is also opened with FILE_FLAG_DELETE_ON_CLOSE, so
 * the system removes it when the last handle closes, even if the process is killed.
 */
static wchar_t temp_paths[TEMP_MAX][MAX_PATH];

/* The exit code of the copy that is killed holding a temp file (step 1). */
#define DIE_EXIT 3

/* How Wine is recorded to differ (docs/deviations.md has the rows). Each claim that names
 * one checks its own observation of it: "this is Wine" alone never makes a verdict. */
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
    HANDLE anchor; /* opened with FILE_FLAG_DELETE_ON_CLOSE: closing it deletes the file */
    wchar_t *path; /* temp_paths[slot] */
} temp_file_t;

/* What the command line asked for. */
typedef struct demo_config_s
{
    const wchar_t *user_file; /* --file: also scan this file (read-only), or NULL */
    int write;                /* --write: step 2 may reverse the user's file */
    int die_holding_temp;     /* --die-holding-temp: step 1's child, killed midway */
} demo_config_t;

/* Facts about the user's file, before and after, to prove it was not changed. */
typedef struct file_fingerprint_s
{
    ULONGLONG size;    /* bytes */
    FILETIME written;  /* last write time */
    uint32_t checksum; /* wm_checksum of every byte */
} file_fingerprint_t;

/* ------------------------------------------------------------------------------------ */
/* Temp files, removed on every exit path.                                              */
/* ------------------------------------------------------------------------------------ */

/* Ctrl+C, Ctrl+Break, closing the console: remove what is left, then let the default
 * handler end the process (FALSE). DeleteFileW may fail on Windows for a file still mapped;
 * FILE_FLAG_DELETE_ON_CLOSE removes it when the process ends a moment later. */
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

/* Creates an empty temp file with a unique name, and registers it for removal. */
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
                               FILE_SHARE_READ | FILE_SHARE_WRITE |
                                   FILE_SHARE_DELETE, /* the library opens it by name too */
                               NULL,                  /* default security */
                               CREATE_NEW,            /* never reuse an existing file */
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

/* Fills the temp file with size bytes of pattern_byte, with WriteFile. */
static DWORD temp_fill(const temp_file_t *temp, ULONGLONG size)
{
    unsigned char buffer[READ_BUFFER_SIZE];
    ULONGLONG written = 0;
    DWORD chunk = 0;
    DWORD done = 0;
    DWORD i = 0;
    BOOL ok = FALSE;

    while (written < size) {
        chunk = (DWORD)(size - written < sizeof buffer ? size - written : sizeof buffer);
        for (i = 0; i < chunk; i++) {
            buffer[i] = pattern_byte(written + i);
        }
        ok = WriteFile(temp->anchor, buffer, chunk, &done, NULL);
        if (!ok) {
            return GetLastError();
        }
        written += done;
    }
    return ERROR_SUCCESS;
}

/* Reads length bytes from offset 0 of file with ReadFile. */
static DWORD read_start(HANDLE file, unsigned char *bytes, DWORD length)
{
    LARGE_INTEGER zero;
    DWORD done = 0;
    BOOL ok = FALSE;

    zero.QuadPart = 0;
    ok = SetFilePointerEx(file, zero, NULL, FILE_BEGIN);
    if (!ok) {
        return GetLastError();
    }
    ok = ReadFile(file, bytes, length, &done, NULL);
    if (!ok) {
        return GetLastError();
    }
    return done == length ? ERROR_SUCCESS : ERROR_HANDLE_EOF;
}

/* ------------------------------------------------------------------------------------ */
/* Step 1. Write through a view, flush, read back.                                      */
/* ------------------------------------------------------------------------------------ */

static void show_write_flush_read(wm_lesson_t *lesson, const wm_system_t *system)
{
    temp_file_t temp;
    wm_mapped_file_t mapped;
    wm_view_t view;
    MEMORY_BASIC_INFORMATION info;
    LARGE_INTEGER file_size;
    unsigned char *check = NULL;
    SIZE_T size = (SIZE_T)system->page_size * 3 + 100; /* not a whole number of pages */
    SIZE_T i = 0;
    SIZE_T mismatches = 0;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Write through a view, flush, read it back",
            "An empty file in the temp folder is mapped for read and write with a mapping size "
            "of three pages and 100 bytes: CreateFileMapping grows the file to that size. "
            "Plain stores into the view write the file. FlushViewOfFile starts writing the "
            "dirty pages and FlushFileBuffers waits for the disk; ReadFile then returns the "
            "bytes the view wrote.");
    error = temp_create(&temp);
    wm_claim_success(
        lesson, "CreateFileW(CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE) in the temp folder", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = wm_mapped_file_open(temp.path, WM_MAP_WRITE, size, &mapped);
    wm_claim_success(lesson, "CreateFileMappingW(PAGE_READWRITE) larger than the empty file",
                     error);
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&mapped, 0, 0, &view);
        wm_claim_success(lesson, "MapViewOfFileEx(FILE_MAP_WRITE)", error);
    }
    if (error == ERROR_SUCCESS) {
        for (i = 0; i < size; i++) {
            view.data[i] = pattern_byte(i); /* each store may fault a page in */
        }
        (void)VirtualQuery(view.base, &info, sizeof info);
        wm_value_address(lesson, "view address", (uintptr_t)view.base);
        wm_value_text(lesson, "view type", wm_type_name(info.Type));
        error = wm_view_flush(&view, mapped.file);
        wm_claim_success(lesson, "FlushViewOfFile, then FlushFileBuffers", error);
        error = wm_view_unmap(&view);
        wm_claim_success(lesson, "UnmapViewOfFile", error);
        wm_claim(lesson, NULL,
                 "A view is MEM_MAPPED memory starting at an allocation-granularity "
                 "boundary.",
                 info.Type == MEM_MAPPED &&
                     (uintptr_t)info.AllocationBase % system->allocation_granularity == 0);
    }
    error = wm_mapped_file_close(&mapped);
    wm_claim_success(lesson, "CloseHandle(mapping), CloseHandle(file)", error);

    (void)GetFileSizeEx(temp.anchor, &file_size);
    wm_value_bytes(lesson, "file size now", (uint64_t)file_size.QuadPart);
    wm_claim(lesson, NULL, "The mapping size grew the empty file.",
             (ULONGLONG)file_size.QuadPart == size);
    check = (unsigned char *)malloc(size);
    error = check == NULL ? ERROR_NOT_ENOUGH_MEMORY : read_start(temp.anchor, check, (DWORD)size);
    wm_claim_success(lesson, "ReadFile of the whole file", error);
    if (error == ERROR_SUCCESS) {
        for (i = 0; i < size; i++) {
            mismatches += check[i] != pattern_byte(i);
        }
        wm_value_count(lesson, "bytes that differ", mismatches, NULL);
        wm_claim(lesson, NULL, "ReadFile returns exactly the bytes written through the view.",
                 mismatches == 0);
    }
    free(check);
    wm_claim(lesson, NULL, "The temp file is gone once its last handle is closed.",
             temp_remove(&temp));
}

/* The child of step 1's last claim: create and map a temp file, print its path, and die
 * without closing anything (TerminateProcess: no cleanup code of ours runs). */
static int run_die_holding_temp(void)
{
    temp_file_t temp;
    wm_mapped_file_t mapped;
    wm_view_t view;
    char path[MAX_PATH * 3];
    DWORD error = temp_create(&temp);

    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_open(temp.path, WM_MAP_WRITE, 1, &mapped); /* grows it to 1 byte */
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&mapped, 0, 0, &view);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_utf8_from_wide(temp.path, path, sizeof path);
    }
    if (error != ERROR_SUCCESS) {
        return WM_EXIT_FAILED;
    }
    view.data[0] = 1;
    printf("%s\n", path);
    fflush(stdout);
    TerminateProcess(GetCurrentProcess(), DIE_EXIT); /* a crash, as far as cleanup goes */
    return WM_EXIT_FAILED;                           /* not reached */
}

/* Runs a copy of this program that dies holding a mapped temp file; checks the file is gone. */
static void show_temp_gone_after_a_crash(wm_lesson_t *lesson)
{
    wm_output_t output;
    wchar_t path[MAX_PATH];
    DWORD exit_code = 0;
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;
    size_t length = 0;

    memset(&output, 0, sizeof output);
    error = wm_process_run_self(L"--die-holding-temp", wm_output_collect, &output, &exit_code);
    wm_claim_success(lesson, "Running a copy that maps a temp file and is killed", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    length = strcspn(output.text, "\r\n");
    output.text[length] = '\0';
    error = wm_wide_from_utf8(output.text, path, MAX_PATH);
    wm_value_count(lesson, "the killed copy's exit code", exit_code, NULL);
    wm_claim(lesson, NULL, "The copy died holding a mapped temp file.",
             exit_code == DIE_EXIT && error == ERROR_SUCCESS && length > 0);
    attributes = GetFileAttributesW(path);
    wm_claim(lesson, NULL,
             "Its temp file is gone all the same: FILE_FLAG_DELETE_ON_CLOSE acts when the system "
             "closes a dead process's handles.",
             length > 0 && attributes == INVALID_FILE_ATTRIBUTES);
}

/* ------------------------------------------------------------------------------------ */
/* Step 2. Reverse in place.                                                            */
/* ------------------------------------------------------------------------------------ */

static void show_reverse_in_place(wm_lesson_t *lesson, const wm_system_t *system,
                                  const demo_config_t *config)
{
    SIZE_T sizes[5];
    temp_file_t temp;
    unsigned char *check = NULL;
    char name[64];
    SIZE_T i = 0;
    size_t k = 0;
    DWORD error = ERROR_SUCCESS;
    int exact = 0;
    int removed = 0;

    wm_step(lesson, "Reverse a file in place",
            "One read-write view of the whole file, two pointers walking towards each other, "
            "a flush: the file is reversed without a buffer or a copy. An empty file cannot be "
            "mapped at all (CreateFileMapping fails with ERROR_FILE_INVALID), and one byte is "
            "its own reverse, so those two are not mapped; the odd sizes end in a partial page.");
    sizes[0] = 0;
    sizes[1] = 1;
    sizes[2] = system->page_size - 1;
    sizes[3] = (SIZE_T)system->page_size + 1;
    sizes[4] = (SIZE_T)system->allocation_granularity + 1;
    for (k = 0; k < 5; k++) {
        error = temp_create(&temp);
        if (error == ERROR_SUCCESS) {
            error = temp_fill(&temp, sizes[k]);
        }
        if (error == ERROR_SUCCESS) {
            error = wm_mapped_file_reverse(temp.path);
        }
        exact = 0;
        check = (unsigned char *)malloc(sizes[k] + 1);
        if (error == ERROR_SUCCESS && check != NULL) {
            error = read_start(temp.anchor, check, (DWORD)sizes[k]);
            exact = error == ERROR_SUCCESS;
            for (i = 0; exact && i < sizes[k]; i++) {
                exact = check[i] == pattern_byte(sizes[k] - 1 - i);
            }
        }
        free(check);
        snprintf(name, sizeof name,
                 "A file of %zu bytes is reversed exactly; its temp file is gone.",
                 (size_t)sizes[k]);
        removed = temp_remove(&temp);
        wm_value_bytes(lesson, "file size", sizes[k]);
        wm_claim(lesson, NULL, name, error == ERROR_SUCCESS && exact && removed);
    }
    if (config->user_file != NULL && config->write) {
        error = wm_mapped_file_reverse(config->user_file);
        wm_claim_success(lesson, "--write: reversing your file in place (run again to undo)",
                         error);
    } else if (config->user_file != NULL) {
        wm_note(lesson, "Your file was not touched here: reversing it needs --write.");
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 3. Sliding views: a histogram.                                                  */
/* ------------------------------------------------------------------------------------ */

/* The same histogram with ReadFile, for comparison. */
static DWORD readfile_histogram(const wchar_t *path, ULONGLONG counts[256])
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    HANDLE file = INVALID_HANDLE_VALUE;
    DWORD done = 0;
    DWORD i = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    memset(counts, 0, 256 * sizeof counts[0]);
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, /* read-ahead hint */
                       NULL);
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    for (;;) {
        ok = ReadFile(file, buffer, sizeof buffer, &done, NULL);
        if (!ok) {
            error = GetLastError();
            break;
        }
        if (done == 0) {
            break; /* end of file */
        }
        for (i = 0; i < done; i++) {
            counts[buffer[i]]++;
        }
    }
    ok = CloseHandle(file);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* Writes the 256 counts as one line "c0 c1 ... c255" into text. */
static void format_histogram(const ULONGLONG counts[256], char *text, size_t capacity)
{
    size_t used = 0;
    int written = 0;
    int i = 0;

    text[0] = '\0';
    for (i = 0; i < 256 && used < capacity; i++) {
        written = snprintf(text + used, capacity - used, i == 0 ? "%llu" : " %llu",
                           (unsigned long long)counts[i]);
        if (written < 0) {
            break;
        }
        used += (size_t)written;
    }
}

/* Runs the sliding-view histogram on path and compares it with ReadFile's. */
static void histogram_of(wm_lesson_t *lesson, const wchar_t *path, SIZE_T view_size,
                         const char *what)
{
    static char text[256 * 21];
    wm_mapped_file_t mapped;
    ULONGLONG mapped_counts[256];
    ULONGLONG read_counts[256];
    char claim[160];
    DWORD error = ERROR_SUCCESS;
    DWORD close_error = ERROR_SUCCESS;
    int most = 0;
    int i = 0;

    error = wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped);
    if (error == ERROR_FILE_INVALID) {
        wm_note(lesson, "%s is empty: there is nothing to map.", what);
        return;
    }
    snprintf(claim, sizeof claim, "%s: CreateFileMappingW(PAGE_READONLY)", what);
    wm_claim_success(lesson, claim, error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    wm_value_bytes(lesson, "file size", mapped.size);
    wm_value_count(lesson, "views needed", (mapped.size + view_size - 1) / view_size, NULL);
    error = wm_mapped_file_histogram(&mapped, view_size, mapped_counts);
    snprintf(claim, sizeof claim, "%s: the histogram through sliding views", what);
    wm_claim_success(lesson, claim, error);
    close_error = wm_mapped_file_close(&mapped);
    wm_claim_success(lesson, "CloseHandle(mapping), CloseHandle(file)", close_error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    error = readfile_histogram(path, read_counts);
    wm_claim_success(lesson, "The same histogram with ReadFile", error);
    for (i = 1; i < 256; i++) {
        most = mapped_counts[i] > mapped_counts[most] ? i : most;
    }
    wm_value_hex(lesson, "most frequent byte", (uint64_t)most, NULL);
    wm_value_count(lesson, "its count", mapped_counts[most], NULL);
    format_histogram(mapped_counts, text, sizeof text);
    wm_value_text(lesson, "histogram (counts of bytes 0 to 255)", text);
    snprintf(claim, sizeof claim, "%s: the views' histogram equals ReadFile's, count for count.",
             what);
    wm_claim(lesson, NULL, claim,
             error == ERROR_SUCCESS && memcmp(mapped_counts, read_counts, sizeof read_counts) == 0);
}

static void show_sliding_views(wm_lesson_t *lesson, const wm_system_t *system,
                               const demo_config_t *config)
{
    temp_file_t temp;
    wm_mapped_file_t mapped;
    void *base = NULL;
    SIZE_T view_size = (SIZE_T)system->allocation_granularity * VIEW_GRANULES;
    ULONGLONG size = (ULONGLONG)view_size * VIEWS_PER_FILE + ODD_TAIL;
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "A file larger than any view: sliding views",
            "A view need not cover the file: a walk maps one window, uses it, unmaps it and "
            "maps the next, so a file of any size (beyond 4 GiB, or beyond the address space) "
            "goes through a few pages of address space. Each window's file offset must be a "
            "multiple of the allocation granularity, not just of the page size.");
    wm_value_bytes(lesson, "view size", view_size);
    wm_value_bytes(lesson, "allocation granularity", system->allocation_granularity);
    error = temp_create(&temp);
    if (error == ERROR_SUCCESS) {
        error = temp_fill(&temp, size);
    }
    wm_claim_success(lesson, "A temp file of six views and an odd tail", error);
    if (error == ERROR_SUCCESS) {
        histogram_of(lesson, temp.path, view_size, "The temp file");
        error = wm_mapped_file_open(temp.path, WM_MAP_READ, 0, &mapped);
        wm_claim_success(lesson, "Mapping it again", error);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_view_map_exact(mapped.mapping, FILE_MAP_READ, system->page_size, 1, &base);
        wm_value_count(lesson, "MapViewOfFileEx at offset = one page: error", error, NULL);
        wm_claim(lesson, NULL,
                 "A view at an offset that is not a multiple of the allocation granularity fails "
                 "with ERROR_MAPPED_ALIGNMENT (1132).",
                 error == ERROR_MAPPED_ALIGNMENT && base == NULL);
        if (base != NULL) {
            (void)UnmapViewOfFile(base); /* only if the claim above failed: nothing to teach */
        }
        error = wm_mapped_file_close(&mapped);
        wm_claim_success(lesson, "Closing it", error);
    }
    wm_claim(lesson, NULL, "The temp file is gone.", temp_remove(&temp));
    if (config->user_file != NULL) {
        histogram_of(lesson, config->user_file, view_size, "Your file");
    }
}

/* ------------------------------------------------------------------------------------ */
/* Step 4. Copy-on-write.                                                               */
/* ------------------------------------------------------------------------------------ */

static void show_copy_on_write(wm_lesson_t *lesson, const wm_system_t *system)
{
    temp_file_t temp;
    wm_mapped_file_t private_map;
    wm_mapped_file_t shared_map;
    wm_view_t private_view;
    wm_view_t other_view;
    MEMORY_BASIC_INFORMATION before;
    MEMORY_BASIC_INFORMATION after;
    unsigned char first_byte = 0;
    unsigned char written = (unsigned char)~pattern_byte(0);
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Copy-on-write",
            "A PAGE_WRITECOPY mapping viewed with FILE_MAP_COPY shares the file's pages until "
            "a page is written; the write gives this view a private copy of that page. The "
            "file and every other view keep the original bytes: a private scratch copy of a "
            "file at no cost until it is changed.");
    private_map.file = INVALID_HANDLE_VALUE; /* sentinels: closing them is a no-op */
    private_map.mapping = NULL;
    shared_map = private_map;
    memset(&private_view, 0, sizeof private_view); /* base NULL: unmapping is a no-op */
    memset(&other_view, 0, sizeof other_view);
    error = temp_create(&temp);
    if (error == ERROR_SUCCESS) {
        error = temp_fill(&temp, (ULONGLONG)system->page_size * 2);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_open(temp.path, WM_MAP_COPY, 0, &private_map);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_open(temp.path, WM_MAP_READ, 0, &shared_map);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&private_map, 0, 0, &private_view);
    }
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&shared_map, 0, 0, &other_view);
    }
    wm_claim_success(lesson, "A FILE_MAP_COPY view and a FILE_MAP_READ view of one temp file",
                     error);
    if (error == ERROR_SUCCESS) {
        (void)VirtualQuery(private_view.base, &before, sizeof before);
        private_view.data[0] = written; /* the page becomes a private copy */
        (void)VirtualQuery(private_view.base, &after, sizeof after);
        wm_value_hex(lesson, "protection before the write", before.Protect,
                     wm_protect_name(before.Protect));
        wm_value_hex(lesson, "protection after the write", after.Protect,
                     wm_protect_name(after.Protect));
        wm_claim(lesson, NULL, "Before the write the copy-on-write page is PAGE_WRITECOPY.",
                 before.Protect == PAGE_WRITECOPY);
        wm_claim(lesson, NULL, "The copy-on-write view sees its own write.",
                 private_view.data[0] == written);
        wm_claim(lesson, NULL, "Another view of the same file does not see it.",
                 other_view.data[0] == pattern_byte(0));
        /* Memory Protection Constants (Microsoft Learn), PAGE_WRITECOPY: "The private page
         * is marked as PAGE_READWRITE". The deviation: still PAGE_WRITECOPY, with the
         * private copy made (this view sees the write, the other view does not). */
        wm_claim_or_deviation(lesson, NULL,
                              "After the write the page is PAGE_READWRITE: a private copy, no "
                              "longer shared.",
                              after.Protect == PAGE_READWRITE,
                              after.Protect == PAGE_WRITECOPY && private_view.data[0] == written &&
                                  other_view.data[0] == pattern_byte(0),
                              &WRITECOPY_STILL_REPORTED);
    }
    error = wm_view_unmap(&other_view);
    wm_claim_success(lesson, "UnmapViewOfFile (the other view)", error);
    error = wm_view_unmap(&private_view);
    wm_claim_success(lesson, "UnmapViewOfFile (the copy-on-write view)", error);
    error = wm_mapped_file_close(&shared_map);
    wm_claim_success(lesson, "Closing the read-only mapping and its file", error);
    error = wm_mapped_file_close(&private_map);
    wm_claim_success(lesson, "Closing the copy-on-write mapping and its file", error);
    error = temp.slot >= 0 ? read_start(temp.anchor, &first_byte, 1) : ERROR_INVALID_HANDLE;
    wm_claim(lesson, NULL, "ReadFile shows the file unchanged.",
             error == ERROR_SUCCESS && first_byte == pattern_byte(0));
    wm_claim(lesson, NULL, "The temp file is gone.", temp_remove(&temp));
}

/* ------------------------------------------------------------------------------------ */
/* Step 5. A sparse file, mapped.                                                       */
/* ------------------------------------------------------------------------------------ */

/* Sets the file's size (leaving a hole) and writes one byte at offset. */
static DWORD set_size_and_mark(HANDLE file, ULONGLONG size, ULONGLONG offset, unsigned char mark)
{
    LARGE_INTEGER position;
    DWORD done = 0;
    BOOL ok = FALSE;

    position.QuadPart = (LONGLONG)size;
    ok = SetFilePointerEx(file, position, NULL, FILE_BEGIN);
    if (!ok) {
        return GetLastError();
    }
    ok = SetEndOfFile(file); /* the new range is a hole: no disk space, reads as zero */
    if (!ok) {
        return GetLastError();
    }
    position.QuadPart = (LONGLONG)offset;
    ok = SetFilePointerEx(file, position, NULL, FILE_BEGIN);
    if (!ok) {
        return GetLastError();
    }
    ok = WriteFile(file, &mark, 1, &done, NULL);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

static void show_sparse_file(wm_lesson_t *lesson, const wm_system_t *system)
{
    temp_file_t temp;
    wm_mapped_file_t mapped;
    wm_view_t view;
    DWORD returned = 0;
    DWORD high = 0;
    DWORD low = 0;
    ULONGLONG on_disk = 0;
    ULONGLONG middle = SPARSE_SIZE / 2;
    unsigned char mark = 0x5A;
    SIZE_T i = 0;
    SIZE_T nonzero = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    wm_step(lesson, "A sparse file, mapped",
            "FSCTL_SET_SPARSE marks a file sparse: ranges never written (holes) take no disk "
            "space and read as zero. Here: a 1 GiB file with one byte written in the middle, "
            "then a view around that byte.");
    error = temp_create(&temp);
    wm_claim_success(lesson, "A temp file", error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    ok = DeviceIoControl(temp.anchor, FSCTL_SET_SPARSE, NULL, 0, /* no input: "set" */
                         NULL, 0, &returned, NULL);              /* no output, synchronous */
    error = ok ? ERROR_SUCCESS : GetLastError();
    wm_claim_success(lesson, "DeviceIoControl(FSCTL_SET_SPARSE)", error);
    error = set_size_and_mark(temp.anchor, SPARSE_SIZE, middle, mark);
    wm_claim_success(lesson, "SetEndOfFile at 1 GiB, one byte written in the middle", error);
    low = GetCompressedFileSizeW(temp.path, &high); /* bytes on disk, for a sparse file */
    on_disk = ((ULONGLONG)high << 32) | low;
    wm_value_bytes(lesson, "logical size", SPARSE_SIZE);
    wm_value_bytes(lesson, "on disk (GetCompressedFileSizeW)", on_disk);
    /* GetCompressedFileSizeW and "Obtaining the Size of a Sparse File" (Microsoft Learn): for
     * a sparse file it gives the size allocated on disk, which "does not include the size of
     * the regions which were deallocated". The deviation: exactly the logical size. */
    wm_claim_or_deviation(
        lesson, NULL, "The sparse file uses less than 1% of its size on disk.",
        low != INVALID_FILE_SIZE && on_disk < SPARSE_SIZE / 100 * SPARSE_DISK_PERCENT,
        low != INVALID_FILE_SIZE && on_disk == SPARSE_SIZE, &COMPRESSED_SIZE_IS_FILE_SIZE);

    error = wm_mapped_file_open(temp.path, WM_MAP_READ, 0, &mapped);
    if (error == ERROR_SUCCESS) {
        error = wm_mapped_file_view(&mapped, middle - system->page_size,
                                    (SIZE_T)system->page_size * 2, &view);
    }
    wm_claim_success(lesson, "A view of two pages around the written byte", error);
    if (error == ERROR_SUCCESS) {
        for (i = 0; i < view.length; i++) {
            nonzero += view.data[i] != 0;
        }
        wm_value_count(lesson, "non-zero bytes in the view", nonzero, NULL);
        wm_claim(lesson, NULL, "The written byte reads back through the view.",
                 view.data[system->page_size] == mark);
        wm_claim(lesson, NULL, "Every other byte, a hole, reads as zero.", nonzero == 1);
        error = wm_view_unmap(&view);
        wm_claim_success(lesson, "UnmapViewOfFile", error);
    }
    error = wm_mapped_file_close(&mapped); /* after a failed open it holds the sentinels */
    wm_claim_success(lesson, "Closing the mapping and its file", error);
    wm_claim(lesson, NULL, "The temp file is gone.", temp_remove(&temp));
}

/* ------------------------------------------------------------------------------------ */
/* Step 6. Mapped against ReadFile.                                                     */
/* ------------------------------------------------------------------------------------ */

typedef struct scan_s
{
    ULONGLONG sum; /* the sum of every byte: proof that both scans read everything */
} scan_t;

static int add_bytes(void *context, ULONGLONG offset, const unsigned char *bytes, SIZE_T length)
{
    scan_t *scan = (scan_t *)context;
    SIZE_T i = 0;

    (void)offset;
    for (i = 0; i < length; i++) {
        scan->sum += bytes[i];
    }
    return 0;
}

static double seconds_between(LARGE_INTEGER start, LARGE_INTEGER end)
{
    LARGE_INTEGER frequency;

    QueryPerformanceFrequency(&frequency); /* cannot fail on Windows XP and later */
    return (double)(end.QuadPart - start.QuadPart) / (double)frequency.QuadPart;
}

/* Scans path both ways and reports both throughputs. */
static void scan_both_ways(wm_lesson_t *lesson, const wchar_t *path, SIZE_T view_size,
                           const char *what)
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    wm_mapped_file_t mapped;
    scan_t by_view;
    scan_t by_read;
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER start;
    LARGE_INTEGER end;
    ULONGLONG size = 0;
    double mapped_seconds = 0;
    double read_seconds = 0;
    char name[96];
    BOOL closed = FALSE;
    DWORD done = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    memset(&by_view, 0, sizeof by_view);
    memset(&by_read, 0, sizeof by_read);
    error = wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped);
    if (error == ERROR_FILE_INVALID) {
        wm_note(lesson, "%s is empty: there is nothing to scan.", what);
        return;
    }
    snprintf(name, sizeof name, "%s: mapping it read-only", what);
    wm_claim_success(lesson, name, error);
    if (error != ERROR_SUCCESS) {
        return;
    }
    size = mapped.size;
    QueryPerformanceCounter(&start);
    error = wm_mapped_file_walk(&mapped, view_size, add_bytes, &by_view);
    QueryPerformanceCounter(&end);
    mapped_seconds = seconds_between(start, end);
    wm_claim_success(lesson, "The scan through views", error);
    error = wm_mapped_file_close(&mapped);
    wm_claim_success(lesson, "Closing the mapping and its file", error);

    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    error = file == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_SUCCESS;
    QueryPerformanceCounter(&start);
    while (error == ERROR_SUCCESS) {
        ok = ReadFile(file, buffer, sizeof buffer, &done, NULL);
        if (!ok) {
            error = GetLastError();
        } else if (done == 0) {
            break;
        }
        add_bytes(&by_read, 0, buffer, done);
    }
    QueryPerformanceCounter(&end);
    read_seconds = seconds_between(start, end);
    wm_claim_success(lesson, "The scan with ReadFile", error);
    if (file != INVALID_HANDLE_VALUE) {
        closed = CloseHandle(file);
        wm_claim(lesson, NULL, "CloseHandle(file) succeeded.", closed);
    }
    wm_value_bytes(lesson, "scanned", size);
    snprintf(name, sizeof name, "%s: through views, MB/s", what);
    wm_value_count(lesson, name,
                   (uint64_t)(mapped_seconds > 0 ? (double)size / mapped_seconds / 1e6 : 0), NULL);
    snprintf(name, sizeof name, "%s: with ReadFile (64 KiB buffer), MB/s", what);
    wm_value_count(lesson, name,
                   (uint64_t)(read_seconds > 0 ? (double)size / read_seconds / 1e6 : 0), NULL);
    wm_claim(lesson, NULL, "Both scans read the same bytes (equal sums).",
             error == ERROR_SUCCESS && by_view.sum == by_read.sum);
}

static void show_mapped_against_readfile(wm_lesson_t *lesson, const wm_system_t *system,
                                         const demo_config_t *config)
{
    temp_file_t temp;
    SIZE_T view_size = (SIZE_T)system->allocation_granularity * 16; /* 1 MiB on x64 */
    DWORD error = ERROR_SUCCESS;

    wm_step(lesson, "Mapped against ReadFile",
            "The same file scanned twice: through sliding views, and with ReadFile into one "
            "buffer. A view costs a page fault (and a page-table entry) per page touched but "
            "copies nothing; ReadFile costs a system call and a copy per buffer but no faults. "
            "Which wins depends on the file cache, the page size, the buffer size and the "
            "access pattern, so both numbers are printed and neither is declared the winner.");
    error = temp_create(&temp);
    if (error == ERROR_SUCCESS) {
        error = temp_fill(&temp, SCAN_SIZE);
    }
    wm_claim_success(lesson, "A 64 MiB temp file", error);
    if (error == ERROR_SUCCESS) {
        scan_both_ways(lesson, temp.path, view_size, "The temp file");
    }
    wm_claim(lesson, NULL, "The temp file is gone.", temp_remove(&temp));
    if (config->user_file != NULL) {
        scan_both_ways(lesson, config->user_file, view_size, "Your file");
    }
}

/* ------------------------------------------------------------------------------------ */
/* --file: checks, and the promise that the file is unchanged.                          */
/* ------------------------------------------------------------------------------------ */

/* Size, last write time and a checksum of every byte, read with ReadFile. */
static DWORD fingerprint(const wchar_t *path, file_fingerprint_t *print)
{
    static unsigned char buffer[READ_BUFFER_SIZE];
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    DWORD done = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL ok = FALSE;

    memset(print, 0, sizeof *print);
    print->checksum = WM_CHECKSUM_SEED;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                       FILE_FLAG_SEQUENTIAL_SCAN, NULL); /* read only */
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    size.QuadPart = 0;
    ok = GetFileSizeEx(file, &size);
    if (!ok) {
        error = GetLastError();
    }
    print->size = (ULONGLONG)size.QuadPart;
    ok = GetFileTime(file, NULL, NULL, &print->written); /* only the last write time */
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    while (error == ERROR_SUCCESS) {
        ok = ReadFile(file, buffer, sizeof buffer, &done, NULL);
        if (!ok) {
            error = GetLastError();
        } else if (done == 0) {
            break;
        }
        print->checksum = wm_checksum(buffer, done, print->checksum);
    }
    ok = CloseHandle(file);
    if (!ok && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* --file must name a readable file, not a directory: one line on stderr and exit 2. */
static int check_file_option(const demo_config_t *config, file_fingerprint_t *print)
{
    char text[160];
    DWORD attributes = 0;
    DWORD error = ERROR_SUCCESS;

    if (config->user_file == NULL) {
        if (config->write) {
            fprintf(stderr, "%s: --write: needs --file\n", DEMO_NAME);
            return WM_EXIT_USAGE;
        }
        return WM_ARGS_CONTINUE;
    }
    attributes = GetFileAttributesW(config->user_file);
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        error = GetLastError();
    } else if ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
        fprintf(stderr, "%s: --file: is a directory, not a file\n", DEMO_NAME);
        return WM_EXIT_USAGE;
    } else {
        error = fingerprint(config->user_file, print);
    }
    if (error != ERROR_SUCCESS) {
        (void)wm_error_text(error, text, sizeof text);
        fprintf(stderr, "%s: --file: cannot read it: %s\n", DEMO_NAME, text);
        return WM_EXIT_USAGE;
    }
    return WM_ARGS_CONTINUE;
}

static void show_user_file_unchanged(wm_lesson_t *lesson, const demo_config_t *config,
                                     const file_fingerprint_t *before)
{
    file_fingerprint_t after;
    DWORD error = fingerprint(config->user_file, &after);

    wm_note(lesson, "Your file, before and after this lesson:");
    wm_claim_success(lesson, "Reading your file again", error);
    wm_value_bytes(lesson, "size", after.size);
    wm_value_hex(lesson, "checksum before", before->checksum, "FNV-1a of every byte");
    wm_value_hex(lesson, "checksum after", after.checksum, NULL);
    if (config->write) {
        wm_claim(lesson, NULL, "--write: your file keeps its size (it was reversed in place).",
                 error == ERROR_SUCCESS && after.size == before->size);
        return;
    }
    wm_claim(lesson, NULL,
             "Your file is unchanged: same size, same last-write time, same checksum of every "
             "byte.",
             error == ERROR_SUCCESS && after.size == before->size &&
                 after.checksum == before->checksum &&
                 CompareFileTime(&after.written, &before->written) == 0);
}

/* ------------------------------------------------------------------------------------ */
/* The table of contents.                                                               */
/* ------------------------------------------------------------------------------------ */

int wmain(int argc, wchar_t **argv)
{
    demo_config_t config;
    wm_options_t options;
    wm_lesson_t lesson;
    wm_system_t system;
    file_fingerprint_t user_before;
    const wm_option_spec_t extra[] = {
        {L"--file", WM_OPTION_TEXT, &config.user_file, "PATH",
         "steps 3 and 6 also run on PATH, opened read-only and left unchanged"},
        {L"--write", WM_OPTION_FLAG, &config.write, NULL,
         "with --file: step 2 reverses PATH in place (the only change ever made to it)"},
        {L"--die-holding-temp", WM_OPTION_FLAG, &config.die_holding_temp, NULL,
         NULL /* internal: step 1 runs a copy of this program with it */},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];
    int handled = 0;
    BOOL handler_set = FALSE;

    memset(&config, 0, sizeof config);
    memset(&user_before, 0, sizeof user_before);
    wm_console_init();
    handled = wm_args_handle(argc, argv, DEMO_NAME, DEMO_TITLE, extra, extra_count, &options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.die_holding_temp) {
        return run_die_holding_temp();
    }
    handled = check_file_option(&config, &user_before);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    handler_set = SetConsoleCtrlHandler(on_console_control, TRUE); /* TRUE: add it */
    (void)wm_system_query(&system);

    wm_lesson_begin(&lesson, DEMO_NAME, DEMO_TITLE, 6, &options, NULL, NULL);
    show_write_flush_read(&lesson, &system);
    show_temp_gone_after_a_crash(&lesson); /* still step 1: every exit path */
    wm_claim(&lesson, NULL, "SetConsoleCtrlHandler: Ctrl+C removes the temp files.", handler_set);
    show_reverse_in_place(&lesson, &system, &config);
    show_sliding_views(&lesson, &system, &config);
    show_copy_on_write(&lesson, &system);
    show_sparse_file(&lesson, &system);
    show_mapped_against_readfile(&lesson, &system, &config);
    if (config.user_file != NULL) {
        show_user_file_unchanged(&lesson, &config, &user_before);
    }
    return wm_lesson_end(&lesson);
}
