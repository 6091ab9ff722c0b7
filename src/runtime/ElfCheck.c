/* A pre-check of a module file before dlopen: glibc maps a truncated shared
 * object's segments past the end of the file and the process dies of SIGBUS
 * while loading it, so the runtime verifies the ELF header and that every
 * loadable segment lies inside the file first. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "RuntimeInternal.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#endif

static int read_at(int fd, void* buf, size_t size, off_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, (char*)buf + done, size - done, offset + (off_t)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    done += (size_t)n;
  }
  return 0;
}

static int check_fd(int fd, const char* path) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "cannot load module %s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "cannot load module %s: not a regular file", path);
  uint64_t size = (uint64_t)st.st_size;
  ElfW(Ehdr) eh;
  if (size < sizeof eh || read_at(fd, &eh, sizeof eh, 0) != 0 ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return anvil_rt_fail(ANVIL_ERROR_LOAD,
                         "cannot load module %s: invalid ELF header (not an ELF shared object)",
                         path);
  if (eh.e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32))
    return anvil_rt_fail(ANVIL_ERROR_LOAD, "cannot load module %s: wrong ELF class (%d-bit)",
                         path, eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32);
  if (eh.e_type != ET_DYN)
    return anvil_rt_fail(ANVIL_ERROR_LOAD,
                         "cannot load module %s: ELF type %u is not a shared object", path,
                         (unsigned)eh.e_type);
#ifdef HOST_MACHINE
  if (eh.e_machine != HOST_MACHINE)
    return anvil_rt_fail(ANVIL_ERROR_LOAD,
                         "cannot load module %s: built for ELF machine %u, this process runs "
                         "on machine %u",
                         path, (unsigned)eh.e_machine, (unsigned)HOST_MACHINE);
#endif
  if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
      (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(ElfW(Phdr)) > size)
    return anvil_rt_fail(ANVIL_ERROR_LOAD,
                         "cannot load module %s: truncated or corrupt (program headers lie "
                         "outside the %llu-byte file)",
                         path, (unsigned long long)size);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    ElfW(Phdr) ph;
    if (read_at(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != 0)
      return anvil_rt_fail(ANVIL_ERROR_LOAD, "cannot load module %s: cannot read program header %u",
                           path, i);
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) &&
        (ph.p_offset > size || ph.p_filesz > size - ph.p_offset))
      return anvil_rt_fail(ANVIL_ERROR_LOAD,
                           "cannot load module %s: truncated (segment %u ends at byte %llu, "
                           "the file has %llu bytes)",
                           path, i, (unsigned long long)(ph.p_offset + ph.p_filesz),
                           (unsigned long long)size);
  }
  return ANVIL_OK;
}

int anvil_rt_check_elf(const char* open_path, const char* path) {
  int fd = open(open_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ANVIL_OK; /* dlopen reports it, with its own wording */
  int status = check_fd(fd, path);
  close(fd);
  return status;
}
