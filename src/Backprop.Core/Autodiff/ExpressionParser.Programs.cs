namespace Backprop.Core.Autodiff;

/// <summary>The program rules of the grammar: statements, their names, and the separators between them.</summary>
public static partial class ExpressionParser
{
    private sealed partial class Parser
    {
        public ExprProgram ParseProgram()
        {
            var statements = new List<(string? Name, Expr Expression)>();
            var inputs = new HashSet<string>(StringComparer.Ordinal);
            var defined = new HashSet<string>(StringComparer.Ordinal);
            SkipSeparators();
            while (true)
            {
                var start = Current;
                string? name = null;
                if (start.Kind == TokenKind.Identifier && tokens[_position + 1].Kind == TokenKind.Equals)
                {
                    name = CheckName(start, inputs);
                    _position += 2;
                }

                var expression = ParseSum();
                inputs.UnionWith(expression.Variables().Where(v => !defined.Contains(v)));
                if (name is not null && inputs.Contains(name))
                {
                    throw NotAssignable(start, "an input of the program (used before any statement defines it)");
                }

                if (name is not null)
                {
                    defined.Add(name);
                }

                statements.Add((name, expression));
                if (Current.Kind == TokenKind.End)
                {
                    break;
                }

                Expect(TokenKind.Separator, "an operator, ';', a line break or end of input");
                SkipSeparators();
                if (Current.Kind == TokenKind.End)
                {
                    break;
                }

                if (name is null)
                {
                    throw new ExpressionSyntaxException(start.At, "a name for the statement", "a bare formula",
                        $"{start.At.Describe()}: only the last statement may be a bare formula; name this one, as in a = {expression}");
                }
            }

            string output = statements[^1].Name ?? DefaultName(inputs, defined);
            return new ExprProgram(statements.Select(s => new Statement(s.Name ?? output, s.Expression)).ToList());
        }

        private static string DefaultName(HashSet<string> inputs, HashSet<string> defined)
        {
            string name = DefaultOutputName;
            for (int i = 1; inputs.Contains(name) || defined.Contains(name); i++)
            {
                name = $"{DefaultOutputName}_{i}";
            }

            return name;
        }

        private static string CheckName(Token name, HashSet<string> inputs) =>
            MathFunctions.IsKnown(name.Text) ? throw NotAssignable(name, "a function")
            : MathFunctions.IsConstant(name.Text) ? throw NotAssignable(name, "a constant")
            : inputs.Contains(name.Text) ? throw NotAssignable(name, "an input of the program (used before any statement defines it)")
            : name.Text;

        private static ExpressionSyntaxException NotAssignable(Token name, string what) =>
            new(name.At, "a name a statement may assign", name.Describe(),
                $"{name.At.Describe()}: '{name.Text}' is {what}, so a statement cannot assign it; pick another name");

        private void SkipSeparators()
        {
            while (Current.Kind == TokenKind.Separator)
            {
                Next();
            }
        }
    }
}
