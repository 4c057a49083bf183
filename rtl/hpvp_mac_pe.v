// HPVP systolic array processing element (PE): one signed multiply-accumulate
// per cycle, used by hpvp_systolic_array (rtl/hpvp_systolic_array.v).
//
// Operands: `a` (activation, AW bits) moves left -> right, `b` (weight,
// WW bits) moves top -> bottom; both are signed two's complement. The product
// is exact in AW+WW bits and sign-extended to the ACC-bit accumulator, which
// wraps modulo 2^ACC (no saturation).
//
// Two dataflows, selected by `os_mode` (constant during a fold):
//   OS (os_mode = 1): `b` flows down every cycle; the PE keeps its own
//     accumulator: acc <= (first ? 0 : acc) + a*b on a valid beat.
//   WS (os_mode = 0): the `b` register holds the stationary weight; it
//     shifts down only while `b_shift` is high (weight load). Partial sums
//     flow down: acc <= p_in + a*w on a valid beat (p_in = acc of the PE
//     above, 0 for row 0), so `acc` is the PE's partial-sum output register.
// The beat flags (valid, first, last) travel with `a`.
//
// Fault hook: at an edge where fi_row_hit[ROW] & fi_col_hit[COL] is high,
// the value written into `acc` (the MAC result if the beat is valid, else
// the held value) is XORed with fi_mask. No hit -> no effect.
//
// All next-state logic is evaluated inside the clocked block (through the
// function mac_next) rather than in continuous assignments: this is the same
// hardware, and it keeps Verilator from re-evaluating 2*ROWS*COLS PE cones
// every time a top-level input (start, ws_mode, ...) changes.
//
// Verilog-2005, synthesizable, lint-clean under verilator --lint-only -Wall.
module hpvp_mac_pe #(
    parameter integer AW   = 8,   // activation (a) width
    parameter integer WW   = 8,   // weight (b) width
    parameter integer ACC  = 32,  // accumulator width, > AW + WW
    parameter integer ROWS = 1,   // array size (width of the fault decode vectors)
    parameter integer COLS = 1,
    parameter integer ROW  = 0,   // this PE's position
    parameter integer COL  = 0
) (
    input  wire            clk,
    input  wire            rst_n,       // synchronous, active low
    input  wire            os_mode,     // 1: output stationary, 0: weight stationary
    input  wire            b_shift,     // load the b register from b_in this cycle
    // from the left neighbour (or the row skew line)
    input  wire [  AW-1:0] a_in,
    input  wire            v_in,        // valid beat
    input  wire            f_in,        // first beat of the fold (OS: clear acc)
    input  wire            l_in,        // last beat of the fold
    // from the PE above (or the column edge)
    input  wire [  WW-1:0] b_in,
    input  wire [ ACC-1:0] p_in,        // WS partial sum (unused in OS)
    // fault injection: one-hot row / column decode of the target PE
    input  wire [ROWS-1:0] fi_row_hit,
    input  wire [COLS-1:0] fi_col_hit,
    input  wire [ ACC-1:0] fi_mask,
    // to the right neighbour
    output reg  [  AW-1:0] a_out,
    output reg             v_out,
    output reg             f_out,
    output reg             l_out,
    // to the PE below
    output reg  [  WW-1:0] b_out,       // OS: delayed b; WS: stationary weight
    output reg  [ ACC-1:0] acc          // OS: accumulator; WS: partial sum
);
  localparam integer PW = AW + WW;  // exact product width

  function [ACC-1:0] mac_next;
    input os;  // output stationary
    input v, f, hit;
    input [AW-1:0] a;
    input [WW-1:0] b;  // OS: b_in, WS: the stationary weight
    input [ACC-1:0] acc_q, p, mask;
    reg [PW-1:0] ax, bx, prod;
    reg [ACC-1:0] base, next;
    begin
      ax = {{WW{a[AW-1]}}, a};
      bx = {{AW{b[WW-1]}}, b};
      // Two's complement product of the sign-extended operands, modulo 2^PW
      // (an unsigned multiply gives the same low PW bits as a signed one);
      // |a*b| <= 2^(PW-2), so it is exact.
      prod = ax * bx;
      base = os ? (f ? {ACC{1'b0}} : acc_q) : p;
      next = v ? base + {{(ACC - PW) {prod[PW-1]}}, prod} : acc_q;
      mac_next = hit ? next ^ mask : next;
    end
  endfunction

  always @(posedge clk) begin
    if (!rst_n) begin
      acc   <= {ACC{1'b0}};
      v_out <= 1'b0;
      f_out <= 1'b0;
      l_out <= 1'b0;
    end else begin
      acc <= mac_next(os_mode, v_in, f_in, fi_row_hit[ROW] & fi_col_hit[COL], a_in,
                      os_mode ? b_in : b_out, acc, p_in, fi_mask);
      v_out <= v_in;
      f_out <= f_in;
      l_out <= l_in;
    end
  end

  // Data registers need no reset: they are only used under a valid flag
  // (a) or after a weight load (b).
  always @(posedge clk) begin
    a_out <= a_in;
    if (b_shift) b_out <= b_in;
  end
endmodule
