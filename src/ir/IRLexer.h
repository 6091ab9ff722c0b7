// The lexer for the text form of loop-level IR: splits the text into tokens
// with line:column positions. Private to IRParser.cpp; not part of the public API.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace anvil::ir_text {

struct Token {
  enum Kind { Ident, Number, String, Punct, End } kind = End;
  std::string text;  // for String: the unescaped value
  int line = 1, col = 1;
};

// How an error message names a token: 'text', string "value" or end of input.
std::string describe(const Token& t);

class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text) {}

  // All tokens of the text, ending with one End token.
  std::vector<Token> run();

  // Throws a UserError "line:col: message" at the token's position.
  [[noreturn]] static void fail(const Token& at, const std::string& message);

 private:
  char peek(size_t ahead = 0) const;
  char advance();
  void skip_space_and_comments();
  // Digits, an optional fraction and exponent, then a type suffix (i64, u4,
  // f, f16, bf16): the parser interprets the whole spelling.
  void lex_number(std::string& out);
  void lex_string(Token& t);

  const std::string& text_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
};

}  // namespace anvil::ir_text
