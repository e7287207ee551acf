using System.Text.RegularExpressions;
using System.Xml.Linq;
using Backprop.Tests.Shared;

namespace Backprop.Core.Tests;

/// <summary>
/// Backprop.Core and Backprop.Lab.Testing as a user's test project gets them: packed into a folder feed and consumed by
/// a throwaway xunit project outside the repository (its own nuget.config, Directory.Build.props and
/// Directory.Packages.props, so nothing of the repository's build leaks in), whose tests are the package README's
/// example, the Core README's example, and a layer with a planted wrong gradient that GradAssert must fail.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class LibraryPackagesTests : TempDirectory
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    [Fact]
    public void A_throwaway_xunit_project_consumes_GradAssert_from_the_packages_and_it_passes_and_fails_as_it_should()
    {
        string repository = Repository.Root();
        string feed = Folder("feed"), consumer = Folder("consumer");
        // A version no cache can hold: the consumer gets what was packed now.
        string version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        foreach (string project in new[] { "Backprop.Core", "Backprop.Lab.Testing" })
        {
            var (packed, packOut, packErr) = ChildProcess.Run("dotnet",
                ["pack", System.IO.Path.Combine(repository, "src", project, project + ".csproj"), "-c", "Release", "-o", feed, $"-p:Version={version}"], repository, Limit);
            Assert.True(packed == 0, packOut + packErr);
        }

        string userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The normal sources stay (no <clear/>): the test framework packages come from there (or the user's cache).
        File.WriteAllText(System.IO.Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{System.IO.Path.Combine(Path, "packages")}" /></config>
              <packageSources><add key="packed" value="{feed}" /></packageSources>
              <fallbackPackageFolders><add key="user" value="{userCache}" /></fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(System.IO.Path.Combine(consumer, "Directory.Build.props"), "<Project />");
        File.WriteAllText(System.IO.Path.Combine(consumer, "Directory.Packages.props"),
            "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        File.WriteAllText(System.IO.Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <IsPackable>false</IsPackable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Backprop.Lab.Testing" Version="{version}" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{RepositoryVersion(repository, "Microsoft.NET.Test.Sdk")}" />
                <PackageReference Include="xunit" Version="{RepositoryVersion(repository, "xunit")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{RepositoryVersion(repository, "xunit.runner.visualstudio")}" />
              </ItemGroup>
            </Project>
            """);
        // The README's example, as printed on the package's page.
        File.WriteAllText(System.IO.Path.Combine(consumer, "SquareTests.cs"),
            CSharpBlock(System.IO.Path.Combine(repository, "src", "Backprop.Lab.Testing", "PACKAGE.md")));
        File.WriteAllText(System.IO.Path.Combine(consumer, "PlantedTests.cs"), """
            using Backprop.Core.Autodiff;
            using Backprop.Core.Checking;
            using Backprop.Lab.Testing;
            using Xunit;

            /// <summary>y = x^2 with dL/dx = 3 x dL/dy: a wrong factor GradAssert must catch.</summary>
            public sealed class WrongSquare(int size) : IDifferentiableLayer
            {
                public string Name => "wrong-square";
                public int InputSize => size;
                public int OutputSize => size;
                public double[] Parameters => [];
                public double[] Forward(double[] x, int m) => x.Select(v => v * v).ToArray();
                public LayerGradients Backward(double[] x, int m, double[] outputGradient) =>
                    new(x.Select((v, i) => 3 * v * outputGradient[i]).ToArray(), []);
            }

            public class PlantedTests
            {
                [Fact]
                public void Planted_wrong_gradient() =>
                    GradAssert.LayerGradientsCorrect(new WrongSquare(3), [0.5, -1.2, 2.0, 0.1, -0.3, 0.8], m: 2);

                [Fact]
                public void Core_readme_example()
                {
                    Value x = Value.Variable("x", 1.0);
                    Value y = Value.Variable("y", 2.0);
                    Value z = Ops.Pow(3 * x + 4 * y, 3);
                    z.Backward();
                    Assert.Equal("z = 1331, dz/dx = 1089, dz/dy = 1452", $"z = {z.Data}, dz/dx = {x.Grad}, dz/dy = {y.Grad}");
                }
            }
            """);

        var (exit, output, error) = ChildProcess.Run("dotnet", ["test", consumer], consumer, Limit);
        string all = output + error;
        Assert.True(exit != 0, "the planted wrong gradient did not fail its test:\n" + all);
        Match summary = Summary().Match(all);
        Assert.True(summary.Success, "no test summary in:\n" + all);
        Assert.Equal(("1", "2"), (summary.Groups["failed"].Value, summary.Groups["passed"].Value));
        Assert.Contains("PlantedTests.Planted_wrong_gradient", all);
        Assert.Contains("gradient check did not pass", all);
    }

    [GeneratedRegex(@"Failed: +(?<failed>\d+), Passed: +(?<passed>\d+)")]
    private static partial Regex Summary();

    private string Folder(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    private static string RepositoryVersion(string repository, string package) =>
        XDocument.Load(System.IO.Path.Combine(repository, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == package).Attribute("Version")!.Value;

    /// <summary>The first ```csharp block of a markdown file.</summary>
    private static string CSharpBlock(string markdown)
    {
        string text = File.ReadAllText(markdown);
        int start = text.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        return text[start..text.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
