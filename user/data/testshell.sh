echo hello world | cat
cat lorem
cat lorem |num
cat lorem |num |num |num
echo one; echo two ;echo three
echo 'single | quoted' "double ; quoted" back\ slash
lsfd -1 >fds
cat fds
cat script
sh <script
echo done
