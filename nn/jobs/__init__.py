"""The jobs behind the `autograd-engine train / evaluate / sample` commands: datasets by name
(`data`), one recipe per model (`recipes`), run folders (`run_folder`), pictures (`plots`) and
the subcommands themselves (`commands`)."""
