from crowdlab.cli import main

main()
