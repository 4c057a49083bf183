// HPVP systolic array processing element (PE): one signed multiply-accumulate
// per cycle, used by hpvp_systolic_array (rtl/hpvp_systolic_array.v).
//
// Operands: `a` (activation, AW bits) moves left -> right, `b` (weight,
// WW bits) moves top -> bottom; both are signed two's complement. The product
// is exact in AW+WW bits and sign-extended to the ACC-bit accumulator, which
// wraps modulo 2^ACC (no saturation).
//
// Two dataflows, selected by `os_mode` (held constant during a fold):
//   OS (os_mode = 1): `b` flows down every cycle; the PE keeps its own
//     accumulator: acc <= (first ? 0 : acc) + a*b on a valid beat.
//   WS (os_mode = 0): the `b` chain holds the stationary weight; it shifts
//     down only while `b_shift` is high (weight load). Partial sums flow
//     down: acc <= p_in + a*w on a valid beat (p_in = acc of the PE above, 0
//     for row 0), so `acc` is the PE's partial-sum output register.
// The beat flags (valid, first, last) travel with `a`.
//
// Fault hook: when `fi_hit` is high the next accumulator value is XORed with
// `fi_mask` (after the MAC of that cycle, if any). fi_hit = 0 -> no effect.
//
// Verilog-2005, synthesizable, lint-clean under verilator --lint-only -Wall.
module hpvp_mac_pe #(
    parameter integer AW  = 8,   // activation (a) width
    parameter integer WW  = 8,   // weight (b) width
    parameter integer ACC = 32   // accumulator width, > AW + WW
) (
    input  wire           clk,
    input  wire           rst_n,    // synchronous, active low
    input  wire           os_mode,  // 1: output stationary, 0: weight stationary
    input  wire           b_shift,  // load the b register from b_in this cycle
    // from the left neighbour (or the row skew line)
    input  wire [ AW-1:0] a_in,
    input  wire           v_in,     // valid beat
    input  wire           f_in,     // first beat of the fold (OS: clear acc)
    input  wire           l_in,     // last beat of the fold
    // from the PE above (or the column edge)
    input  wire [ WW-1:0] b_in,
    input  wire [ACC-1:0] p_in,     // WS partial sum (unused in OS)
    // fault injection
    input  wire           fi_hit,
    input  wire [ACC-1:0] fi_mask,
    // to the right neighbour
    output reg  [ AW-1:0] a_out,
    output reg            v_out,
    output reg            f_out,
    output reg            l_out,
    // to the PE below
    output reg  [ WW-1:0] b_out,    // OS: delayed b; WS: stationary weight
    output reg  [ACC-1:0] acc       // OS: accumulator; WS: partial sum
);
  localparam integer PW = AW + WW;  // exact product width

  // OS multiplies the b operand passing through this cycle; WS the weight
  // held in b_out.
  wire [WW-1:0] b_op = os_mode ? b_in : b_out;
  wire signed [PW-1:0] a_x = {{WW{a_in[AW-1]}}, a_in};
  wire signed [PW-1:0] b_x = {{AW{b_op[WW-1]}}, b_op};
  wire signed [PW-1:0] prod = a_x * b_x;  // |a*b| < 2^(PW-1): exact
  wire [ACC-1:0] prod_x = {{(ACC - PW) {prod[PW-1]}}, prod};

  wire [ACC-1:0] base = os_mode ? (f_in ? {ACC{1'b0}} : acc) : p_in;
  wire [ACC-1:0] mac = v_in ? base + prod_x : acc;
  wire [ACC-1:0] acc_d = mac ^ (fi_hit ? fi_mask : {ACC{1'b0}});

  always @(posedge clk) begin
    if (!rst_n) begin
      acc   <= {ACC{1'b0}};
      v_out <= 1'b0;
      f_out <= 1'b0;
      l_out <= 1'b0;
    end else begin
      acc   <= acc_d;
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
