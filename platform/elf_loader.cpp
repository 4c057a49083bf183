#include "elf_loader.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <memory>
#include <unistd.h>

namespace hpvp {

namespace {

struct ElfHandle {
  int fd = -1;
  Elf* elf = nullptr;
  ~ElfHandle() {
    if (elf) elf_end(elf);
    if (fd >= 0) close(fd);
  }
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ElfError(fmt::format("{}: {}", path, what));
}

void read_symbols(Elf* elf, ElfImage& image) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || shdr.sh_entsize == 0) continue;
    const size_t count = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (name != nullptr && *name != '\0' && sym.st_shndx != SHN_UNDEF)
        image.symbols.emplace(name, ElfSymbol{sym.st_value, sym.st_size});
    }
  }
}

}  // namespace

std::optional<uint64_t> ElfImage::symbol(const std::string& name) const {
  if (auto s = symbol_info(name)) return s->address;
  return std::nullopt;
}

std::optional<ElfSymbol> ElfImage::symbol_info(const std::string& name) const {
  auto it = symbols.find(name);
  if (it == symbols.end()) return std::nullopt;
  return it->second;
}

ElfImage read_elf(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE) fail(path, "libelf initialisation failed");
  ElfHandle h;
  h.fd = open(path.c_str(), O_RDONLY);
  if (h.fd < 0) fail(path, fmt::format("cannot open firmware: {}", std::strerror(errno)));
  h.elf = elf_begin(h.fd, ELF_C_READ, nullptr);
  if (h.elf == nullptr || elf_kind(h.elf) != ELF_K_ELF)
    fail(path, "not an ELF file (expected a RISC-V executable)");
  GElf_Ehdr ehdr;
  if (gelf_getehdr(h.elf, &ehdr) == nullptr)
    fail(path, fmt::format("unreadable ELF header: {}", elf_errmsg(-1)));
  if (gelf_getclass(h.elf) != ELFCLASS32)
    fail(path, "ELF class is 64-bit; expected a 32-bit (ELFCLASS32) executable for RV32");
  if (ehdr.e_ident[EI_DATA] != ELFDATA2LSB)
    fail(path, "ELF is big-endian; RISC-V is little-endian");
  if (ehdr.e_machine != EM_RISCV)
    fail(path, fmt::format("ELF machine is {}; expected RISC-V ({})", ehdr.e_machine, EM_RISCV));
  if (ehdr.e_type != ET_EXEC)
    fail(path, fmt::format("ELF type is {}; expected an executable (ET_EXEC)", ehdr.e_type));

  ElfImage image;
  image.path = path;
  image.entry = static_cast<uint32_t>(ehdr.e_entry);
  size_t phnum = 0;
  if (elf_getphdrnum(h.elf, &phnum) != 0) fail(path, "cannot read program headers");
  size_t file_size = 0;
  const char* raw = elf_rawfile(h.elf, &file_size);
  if (raw == nullptr) fail(path, "cannot read file contents");
  // libelf silently shortens a program-header table cut by the end of the
  // file; name the real problem.
  if (ehdr.e_phoff + uint64_t{ehdr.e_phnum} * ehdr.e_phentsize > file_size)
    fail(path, "program headers extend past the end of the file (truncated ELF?)");
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(h.elf, static_cast<int>(i), &ph) == nullptr)
      fail(path, fmt::format("program header {} is unreadable", i));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      fail(path,
           fmt::format("segment {} has file size {} > memory size {}", i, ph.p_filesz, ph.p_memsz));
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      fail(path, fmt::format("segment {} extends past the end of the file (truncated ELF?)", i));
    ElfSegment seg;
    seg.address = ph.p_paddr;
    seg.mem_size = ph.p_memsz;
    seg.bytes.assign(raw + ph.p_offset, raw + ph.p_offset + ph.p_filesz);
    image.segments.push_back(std::move(seg));
  }
  if (image.segments.empty()) fail(path, "no loadable segments");
  read_symbols(h.elf, image);
  return image;
}

}  // namespace hpvp
