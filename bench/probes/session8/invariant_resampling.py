import sys, numpy as np, collections
rows=[l.rstrip('\n').split(',') for l in open(sys.argv[1] if len(sys.argv) > 1 else 'feats.csv')]
D=collections.defaultdict(dict)
meta={}
for r in rows:
    k=r.index('|')
    spec=np.array(list(map(float,r[5:k]))); res=np.array(list(map(float,r[k+1:])))
    D[r[0]][r[4]]=(spec,res)
    meta[r[0]]=(r[1]=='fake',r[2],r[3])
paths=sorted(meta)
def auc(s,y):
    s=np.asarray(s);y=np.asarray(y)
    p=s[y==1];n=s[y==0]
    return ((p[:,None]>n[None,:]).sum()+0.5*(p[:,None]==n[None,:]).sum())/(len(p)*len(n))
def fit(X,y,l2=1.0):
    mu=X.mean(0);sd=X.std(0)+1e-9;Z=(X-mu)/sd
    w=np.zeros(Z.shape[1]);b=0.
    for it in range(500):
        p=1/(1+np.exp(-(Z@w+b)))
        g=Z.T@(p-y)/len(y)+l2*w/len(y); gb=(p-y).mean()
        H=(Z.T*(p*(1-p)))@Z/len(y)+l2*np.eye(len(w))/len(y)
        w-=np.linalg.solve(H+1e-6*np.eye(len(w)),g); b-=gb/ max(1e-6,(p*(1-p)).mean())
    return lambda X:((X-mu)/sd)@w+b
def feats(p,cond,kind):
    spec,res=D[p][cond]
    R=res.reshape(7,3) # periods 2..8 x (col,row,lat)
    if kind=='res': return res
    if kind=='spec': return spec[3:]
    if kind=='inv':  # order statistics over periods, per direction
        return np.concatenate([np.sort(R[:,j])[::-1][:3] for j in range(3)])
    if kind=='inv7': # exclude period 8 (jpeg grid) then sort
        return np.concatenate([np.sort(R[:6,j])[::-1][:3] for j in range(3)])
    if kind=='maxmean': return np.concatenate([R.max(0),R.mean(0)])
    if kind=='resinv': return np.concatenate([res, np.sort(R[:,2])[::-1][:2]])
# groups of reals: split in two halves by group hash
realgroups=sorted(set(meta[p][1] for p in paths if not meta[p][0]))
import random
def heldout(trainsel,testsel,kind,seeds=range(5),conds=('clean',)):
    out=[]
    for s in seeds:
        rg=realgroups[:];random.Random(s).shuffle(rg);half=set(rg[:len(rg)//2])
        tr=[p for p in paths if (meta[p][0] and trainsel(meta[p][2])) or (not meta[p][0] and meta[p][1] in half)]
        te=[p for p in paths if (meta[p][0] and testsel(meta[p][2])) or (not meta[p][0] and meta[p][1] not in half)]
        # exclude test fakes sharing a group with train fakes? keep simple
        X=np.array([feats(p,'clean',kind) for p in tr]);y=np.array([meta[p][0] for p in tr],float)
        f=fit(X,y)
        res=[]
        for c in conds:
            Xt=np.array([feats(p,c,kind) for p in te]);yt=np.array([meta[p][0] for p in te],float)
            res.append(auc(f(Xt),yt))
        out.append(res)
    return np.mean(out,0)
is2=lambda g:g.endswith('/2x'); is4=lambda g:g.endswith('/4x')
for kind in ['spec','res','inv','inv7','maxmean','resinv']:
    print(kind, '4x->2x', heldout(is4,is2,kind).round(3), '2x->4x', heldout(is2,is4,kind).round(3),
       'all->all clean/jpeg75/resize', heldout(lambda g:True,lambda g:True,kind,conds=('clean','jpeg=75','resize=0.5')).round(3))
