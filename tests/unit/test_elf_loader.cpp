// read_elf on ELF files built byte by byte in the test (ELF32/ELF64 headers,
// program headers, a symbol table) and on the firmware ELFs when they have
// been built; every error must name the file.
#include "elf_loader.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <string>
#include <vector>

using hpvp::ElfError;
using hpvp::ElfImage;
using hpvp::read_elf;

namespace {

// Builds a little-endian ELF32 executable: header, program headers, segment
// bytes, then .symtab/.strtab/.shstrtab and the section headers.
struct Elf32Builder {
  struct Segment {
    uint32_t type = PT_LOAD;
    uint32_t vaddr = 0, paddr = 0;
    std::vector<uint8_t> bytes;
    uint32_t mem_size = 0;  // 0: bytes.size()
  };
  struct Symbol {
    std::string name;
    uint32_t value;
    uint16_t shndx = SHN_ABS;
    uint32_t size = 0;
  };

  uint16_t type = ET_EXEC;
  uint16_t machine = EM_RISCV;
  uint8_t data = ELFDATA2LSB;
  uint32_t entry = 0x80000000;
  std::vector<Segment> segments;
  std::vector<Symbol> symbols;
  // Overrides applied after layout (to make inconsistent files).
  int bad_filesz_segment = -1;  // segment whose p_filesz exceeds p_memsz
  int past_eof_segment = -1;    // segment whose data lies past the end of the file

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> out(sizeof(Elf32_Ehdr) + segments.size() * sizeof(Elf32_Phdr));
    std::vector<Elf32_Phdr> ph(segments.size());
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = segments[i];
      Elf32_Phdr& p = ph[i];
      std::memset(&p, 0, sizeof p);
      p.p_type = s.type;
      p.p_offset = static_cast<Elf32_Off>(out.size());
      p.p_vaddr = s.vaddr;
      p.p_paddr = s.paddr;
      p.p_filesz = static_cast<uint32_t>(s.bytes.size());
      p.p_memsz = s.mem_size ? s.mem_size : static_cast<uint32_t>(s.bytes.size());
      p.p_flags = PF_R | PF_X;
      p.p_align = 4;
      out.insert(out.end(), s.bytes.begin(), s.bytes.end());
      if (static_cast<int>(i) == bad_filesz_segment) p.p_filesz = p.p_memsz + 4;
      if (static_cast<int>(i) == past_eof_segment) p.p_offset = 0x100000;
    }
    // string tables
    std::string strtab(1, '\0');
    std::vector<Elf32_Sym> syms(1);
    std::memset(&syms[0], 0, sizeof syms[0]);
    for (const Symbol& s : symbols) {
      Elf32_Sym e;
      std::memset(&e, 0, sizeof e);
      e.st_name = static_cast<uint32_t>(strtab.size());
      strtab += s.name + '\0';
      e.st_value = s.value;
      e.st_info = ELF32_ST_INFO(STB_GLOBAL, STT_OBJECT);
      e.st_shndx = s.shndx;
      e.st_size = s.size;
      syms.push_back(e);
    }
    const std::string shstrtab = std::string("\0.symtab\0.strtab\0.shstrtab\0", 27);
    auto append = [&](const void* p, size_t n) {
      const size_t at = out.size();
      const auto* b = static_cast<const uint8_t*>(p);
      out.insert(out.end(), b, b + n);
      return static_cast<uint32_t>(at);
    };
    while (out.size() % 4) out.push_back(0);
    const uint32_t symtab_off = append(syms.data(), syms.size() * sizeof(Elf32_Sym));
    const uint32_t strtab_off = append(strtab.data(), strtab.size());
    const uint32_t shstr_off = append(shstrtab.data(), shstrtab.size());
    while (out.size() % 4) out.push_back(0);
    Elf32_Shdr sh[4];
    std::memset(sh, 0, sizeof sh);
    sh[1].sh_name = 1;
    sh[1].sh_type = SHT_SYMTAB;
    sh[1].sh_offset = symtab_off;
    sh[1].sh_size = static_cast<uint32_t>(syms.size() * sizeof(Elf32_Sym));
    sh[1].sh_link = 2;
    sh[1].sh_info = 1;
    sh[1].sh_entsize = sizeof(Elf32_Sym);
    sh[1].sh_addralign = 4;
    sh[2].sh_name = 9;
    sh[2].sh_type = SHT_STRTAB;
    sh[2].sh_offset = strtab_off;
    sh[2].sh_size = static_cast<uint32_t>(strtab.size());
    sh[2].sh_addralign = 1;
    sh[3].sh_name = 17;
    sh[3].sh_type = SHT_STRTAB;
    sh[3].sh_offset = shstr_off;
    sh[3].sh_size = static_cast<uint32_t>(shstrtab.size());
    sh[3].sh_addralign = 1;
    const uint32_t shoff = append(sh, sizeof sh);

    Elf32_Ehdr eh;
    std::memset(&eh, 0, sizeof eh);
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    eh.e_ident[EI_DATA] = data;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = segments.empty() ? 0 : sizeof(Elf32_Ehdr);
    eh.e_shoff = shoff;
    eh.e_ehsize = sizeof(Elf32_Ehdr);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    eh.e_phnum = static_cast<uint16_t>(segments.size());
    eh.e_shentsize = sizeof(Elf32_Shdr);
    eh.e_shnum = 4;
    eh.e_shstrndx = 3;
    if (data == ELFDATA2MSB) {  // byte-swap the fields read before the data check
      eh.e_type = static_cast<uint16_t>(__builtin_bswap16(eh.e_type));
      eh.e_machine = static_cast<uint16_t>(__builtin_bswap16(eh.e_machine));
    }
    std::memcpy(out.data(), &eh, sizeof eh);
    if (!ph.empty()) std::memcpy(out.data() + sizeof eh, ph.data(), ph.size() * sizeof(Elf32_Phdr));
    return out;
  }
};

// A minimal little-endian ELF64 RISC-V executable with one PT_LOAD segment.
std::vector<uint8_t> build_elf64() {
  std::vector<uint8_t> out(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 8, 0x13);
  Elf64_Ehdr eh;
  std::memset(&eh, 0, sizeof eh);
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x80000000;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph;
  std::memset(&ph, 0, sizeof ph);
  ph.p_type = PT_LOAD;
  ph.p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
  ph.p_vaddr = ph.p_paddr = 0x80000000;
  ph.p_filesz = ph.p_memsz = 8;
  std::memcpy(out.data(), &eh, sizeof eh);
  std::memcpy(out.data() + sizeof eh, &ph, sizeof ph);
  return out;
}

class ElfLoader : public ::testing::Test {
 protected:
  // Writes `bytes` to a fresh file in the test's temporary directory.
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path =
        ::testing::TempDir() + "hpvp_elf_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
  }
  // The message of the ElfError read_elf(path) throws ("" if none).
  static std::string error_of(const std::string& path) {
    try {
      read_elf(path);
    } catch (const ElfError& e) {
      return e.what();
    }
    return "";
  }
  static Elf32Builder typical() {
    Elf32Builder b;
    b.entry = 0x80000004;
    Elf32Builder::Segment text;
    text.vaddr = 0x10000;  // virtual != physical: the loader must use p_paddr
    text.paddr = 0x80000000;
    text.bytes = {0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00};
    Elf32Builder::Segment data;
    data.vaddr = data.paddr = 0x80001000;
    data.bytes = {1, 2, 3, 4};
    data.mem_size = 64;  // .bss after .data
    b.segments = {text, data};
    b.symbols = {{"_start", 0x80000004},
                 {"tohost", 0x80001000, SHN_ABS, 8},
                 {"undefined_sym", 0, SHN_UNDEF}};
    return b;
  }
  std::vector<std::string> files_;
};

TEST_F(ElfLoader, ReadsEntrySegmentsAndSymbols) {
  const std::string path = write("ok.elf", typical().build());
  const ElfImage img = read_elf(path);
  EXPECT_EQ(img.path, path);
  EXPECT_EQ(img.entry, 0x80000004u);
  ASSERT_EQ(img.segments.size(), 2u);
  EXPECT_EQ(img.segments[0].address, 0x80000000u) << "p_paddr, not p_vaddr";
  EXPECT_EQ(img.segments[0].mem_size, 8u);
  EXPECT_EQ(img.segments[0].bytes, (std::vector<uint8_t>{0x13, 0, 0, 0, 0x6f, 0, 0, 0}));
  EXPECT_EQ(img.segments[1].address, 0x80001000u);
  EXPECT_EQ(img.segments[1].mem_size, 64u);
  EXPECT_EQ(img.segments[1].bytes, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(img.symbol("tohost"), std::optional<uint64_t>(0x80001000));
  EXPECT_EQ(img.symbol("_start"), std::optional<uint64_t>(0x80000004));
  EXPECT_FALSE(img.symbol("undefined_sym").has_value()) << "undefined symbols are not addresses";
  EXPECT_FALSE(img.symbol("missing").has_value());
  ASSERT_TRUE(img.symbol_info("tohost").has_value());
  EXPECT_EQ(img.symbol_info("tohost")->address, 0x80001000u);
  EXPECT_EQ(img.symbol_info("tohost")->size, 8u) << "st_size";
  EXPECT_EQ(img.symbol_info("_start")->size, 0u);
  EXPECT_FALSE(img.symbol_info("undefined_sym").has_value());
}

TEST_F(ElfLoader, SkipsNonLoadAndEmptySegments) {
  Elf32Builder b = typical();
  Elf32Builder::Segment note;
  note.type = PT_NOTE;
  note.bytes = {9, 9, 9, 9};
  Elf32Builder::Segment empty;
  empty.paddr = 0x90000000;
  b.segments.insert(b.segments.begin(), note);
  b.segments.push_back(empty);
  const ElfImage img = read_elf(write("skip.elf", b.build()));
  ASSERT_EQ(img.segments.size(), 2u);
  EXPECT_EQ(img.segments[0].address, 0x80000000u);
  EXPECT_EQ(img.segments[1].address, 0x80001000u);
}

TEST_F(ElfLoader, NonExistentFile) {
  const std::string path = ::testing::TempDir() + "hpvp_no_such_file.elf";
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST_F(ElfLoader, TextFileIsNotAnElf) {
  const std::string text = "#!/bin/sh\necho this is not an ELF\n";
  const std::string path = write("script.sh", std::vector<uint8_t>(text.begin(), text.end()));
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("not an ELF"), std::string::npos) << msg;
}

TEST_F(ElfLoader, EmptyFileIsNotAnElf) {
  const std::string path = write("empty.elf", {});
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_FALSE(msg.empty());
}

TEST_F(ElfLoader, TruncatedCopiesAreRejected) {
  const std::vector<uint8_t> full = typical().build();
  const size_t phdrs_end = sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr);
  // cut inside the ELF header, inside the program headers, inside the data
  for (size_t cut : {size_t{20}, sizeof(Elf32_Ehdr) + 10, phdrs_end + 3}) {
    SCOPED_TRACE(cut);
    const std::string path =
        write("trunc" + std::to_string(cut) + ".elf",
              std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find(path), std::string::npos) << "no ElfError naming the file: '" << msg << "'";
    // The problem is the truncation, not a lack of segments.
    if (cut > sizeof(Elf32_Ehdr)) {
      EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                  msg.find("program header") != std::string::npos)
          << msg;
    }
  }
}

TEST_F(ElfLoader, SegmentPastEndOfFile) {
  Elf32Builder b = typical();
  b.past_eof_segment = 1;
  const std::string path = write("pasteof.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("segment 1"), std::string::npos) << msg;
}

TEST_F(ElfLoader, FileSizeLargerThanMemorySize) {
  Elf32Builder b = typical();
  b.bad_filesz_segment = 0;
  const std::string path = write("filesz.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("segment 0"), std::string::npos) << msg;
}

TEST_F(ElfLoader, Elf64IsRejected) {
  const std::string path = write("rv64.elf", build_elf64());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("64-bit"), std::string::npos) << msg;
}

TEST_F(ElfLoader, WrongMachineIsRejected) {
  Elf32Builder b = typical();
  b.machine = EM_ARM;
  const std::string path = write("arm.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("machine is 40"), std::string::npos) << msg;
  EXPECT_NE(msg.find("RISC-V"), std::string::npos) << msg;
}

TEST_F(ElfLoader, BigEndianIsRejected) {
  Elf32Builder b = typical();
  b.data = ELFDATA2MSB;
  const std::string path = write("be.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("big-endian"), std::string::npos) << msg;
}

TEST_F(ElfLoader, SharedObjectIsRejected) {
  Elf32Builder b = typical();
  b.type = ET_DYN;
  const std::string path = write("so.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("ET_EXEC"), std::string::npos) << msg;
}

TEST_F(ElfLoader, NoLoadableSegments) {
  Elf32Builder b = typical();
  b.segments.clear();
  const std::string path = write("noload.elf", b.build());
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("no loadable segments"), std::string::npos) << msg;
}

// Firmware images produced by the build (skipped when firmware is not built).
TEST_F(ElfLoader, FirmwareImages) {
  const std::string dir = HPVP_FIRMWARE_DIR;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) GTEST_SKIP() << "firmware not built (" << dir << ")";
  std::vector<std::string> elfs;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".elf") == 0) elfs.push_back(dir + "/" + n);
  }
  closedir(d);
  if (elfs.empty()) GTEST_SKIP() << "no *.elf in " << dir;
  for (const auto& path : elfs) {
    SCOPED_TRACE(path);
    const ElfImage img = read_elf(path);
    EXPECT_EQ(img.entry, 0x80000000u) << "runtime/virt.ld puts _start first at DRAM base";
    EXPECT_EQ(img.symbol("_start"), std::optional<uint64_t>(img.entry));
    ASSERT_FALSE(img.segments.empty());
    for (const auto& s : img.segments) {
      EXPECT_GE(s.address, 0x80000000u);
      EXPECT_LE(s.address + s.mem_size, 0x88000000u) << "outside the 128 MiB DRAM";
      EXPECT_LE(s.bytes.size(), s.mem_size);
    }
  }
}

}  // namespace
